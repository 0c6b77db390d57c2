//! Shell scripts parsed with tree-sitter-bash: the env keys a script writes
//! (to dotenv files, `$GITHUB_ENV`, `docker run -e`, remote hosts) and the
//! keys it reads. Used for workflow `run:` steps, remote scripts sent over
//! ssh or SSM, and the app's shell entrypoints.
