//! Each read form the collector recognises, and the ones it must not.

use super::*;
use crate::facts::{DefaultValue, EnvRead, ReadVia, Source, WriteVia};

fn reads(src: &str) -> Vec<EnvRead> {
    let facts = collect_source("settings.py", src);
    assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
    facts.reads
}

fn only(src: &str) -> EnvRead {
    let mut all = reads(src);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

fn key(read: &EnvRead) -> &str {
    read.key.as_deref().unwrap_or("<dynamic>")
}

fn keys(src: &str) -> Vec<String> {
    reads(src).iter().map(|r| key(r).to_string()).collect()
}

/// The facts of `inputs` (path, text) written to a fresh directory: what
/// the two passes make of several files together.
fn collect_written(inputs: &[(&str, &str)]) -> Facts {
    let dir = tempfile::tempdir().unwrap();
    collect_files(&crate::collect::write_inputs(dir.path(), inputs), 1)
}

fn str_default(s: &str) -> Option<DefaultValue> {
    Some(DefaultValue::Str(s.into()))
}

#[test]
fn os_environ_subscript_is_required() {
    let r = only("import os\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\n");
    assert_eq!(key(&r), "SECRET_KEY");
    assert_eq!(r.via, ReadVia::OsEnviron);
    assert!(r.required);
    assert_eq!(r.default, None);
    assert_eq!((r.location.row, r.location.column), (1, 13));
}

#[test]
fn environ_get_and_getenv_without_default_are_none() {
    for (src, via) in [
        (
            "import os\nA = os.environ.get('K')\n",
            ReadVia::OsEnvironGet,
        ),
        ("import os\nA = os.getenv('K')\n", ReadVia::OsGetenv),
        (
            "from os import environ\nA = environ.get('K')\n",
            ReadVia::OsEnvironGet,
        ),
        (
            "from os import getenv\nA = getenv('K')\n",
            ReadVia::OsGetenv,
        ),
        ("import os as o\nA = o.getenv('K')\n", ReadVia::OsGetenv),
    ] {
        let r = only(src);
        assert_eq!((key(&r), r.via, r.required), ("K", via, false), "{src}");
        assert_eq!(r.default, Some(DefaultValue::None), "{src}");
        assert!(!r.has_default, "{src}");
    }
}

#[test]
fn literal_defaults() {
    let default = |src: &str| only(&format!("import os\n{src}\n")).default;
    assert_eq!(default("A = os.getenv('K', '8000')"), str_default("8000"));
    assert_eq!(
        default("A = os.environ.get('K', default='')"),
        str_default("")
    );
    assert_eq!(
        default("A = int(os.environ.get('WORKERS', 4))"),
        Some(DefaultValue::Int(4))
    );
    assert_eq!(
        default("A = float(os.getenv('RATIO', 0.5))"),
        Some(DefaultValue::Float(0.5))
    );
    assert_eq!(
        default("A = os.getenv('K', False)"),
        Some(DefaultValue::Bool(false))
    );
    assert_eq!(
        default("A = os.getenv('K', None)"),
        Some(DefaultValue::None)
    );
    let r = only("import os\nA = os.getenv('K', compute())\n");
    assert_eq!((r.default, r.has_default, r.required), (None, true, false));
}

#[test]
fn setdefault_is_a_read_with_its_default() {
    let r = only("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n");
    assert_eq!(r.via, ReadVia::OsEnvironSetdefault);
    assert_eq!(r.default, str_default("config.settings"));
    assert!(!r.required);
}

#[test]
fn aliases_of_os_environ_read_env() {
    let src = "import os\nE = os.environ\nenv = (os.environ)\nA = E['A']\nB = env.get('B', 'b')\nC = env.pop('C')\nD = 'D' in env\nother = os.environ.copy()\nX = other['NOT_A_READ']\n";
    let summary: Vec<_> = reads(src)
        .iter()
        .map(|r| (key(r).to_string(), r.via, r.required))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("A".to_string(), ReadVia::OsEnviron, true),
            ("B".to_string(), ReadVia::OsEnvironGet, false),
            ("C".to_string(), ReadVia::OsEnvironPop, true),
            ("D".to_string(), ReadVia::OsEnvironIn, false),
        ]
    );
}

#[test]
fn pop_raises_without_a_default() {
    let r = only("import os\nT = os.environ.pop('TOKEN')\n");
    assert_eq!(
        (key(&r), r.via, r.required),
        ("TOKEN", ReadVia::OsEnvironPop, true)
    );
    let r = only("import os\nT = os.environ.pop('TOKEN', None)\n");
    assert_eq!((r.required, r.default), (false, Some(DefaultValue::None)));
    let r = only("from os import environ\nT = environ.pop('TOKEN', '')\n");
    assert_eq!((r.required, r.default), (false, str_default("")));
}

#[test]
fn membership_tests_are_reads_that_run_only_where_the_key_is_set() {
    let src = "import os\nif 'SENTRY_DSN' in os.environ:\n    pass\nUSE = 'FLAG' not in os.environ\nif 'A' in os.environ and 'B' in os.environ:\n    pass\nX = 'K' in other\nY = name in os.environ\nZ = 'P' in os.environ.keys()\n";
    let all = reads(src);
    let summary: Vec<_> = all
        .iter()
        .map(|r| {
            let guard = r.guard.clone().unwrap_or_default();
            (
                key(r).to_string(),
                r.required,
                r.default.clone(),
                guard.set,
                guard.other,
            )
        })
        .collect();
    let row = |k: &str| (k.to_string(), false, None, vec![k.to_string()], false);
    assert_eq!(
        summary,
        vec![row("SENTRY_DSN"), row("FLAG"), row("A"), row("B")]
    );
    assert!(
        all.iter()
            .all(|r| r.via == ReadVia::OsEnvironIn && !r.has_default)
    );
    // Inside another branch, the test adds its key to that branch's guard.
    let src = "import os\nif os.getenv('MODE'):\n    X = 'K' in os.environ\n";
    let r = reads(src).into_iter().find(|r| key(r) == "K").unwrap();
    assert_eq!(
        r.guard.map(|g| g.set),
        Some(vec!["MODE".into(), "K".into()])
    );
}

#[test]
fn environ_from_os_subscript() {
    let r = only("from os import environ as E\nX = E['K']\n");
    assert_eq!(
        (key(&r), r.via, r.required),
        ("K", ReadVia::OsEnviron, true)
    );
}

#[test]
fn writes_deletes_comments_and_strings_are_not_reads() {
    let src = r#"import os
os.environ["WRITTEN"] = "v"
a, os.environ["TUPLE_WRITTEN"] = 1, 2
del os.environ["DELETED"]
del os.environ["A"], os.environ["B"]
# os.environ["COMMENTED"]
"""os.environ["DOCSTRING"]"""
x = 'os.getenv("IN_STRING")'
y = other.environ["NOT_OS"]
z = {}.get("NOT_ENV")
"#;
    assert_eq!(keys(src), Vec::<String>::new());
}

#[test]
fn runtime_keys_are_unknown_reads() {
    let src = "import os\nA = os.environ[f'X_{n}']\nB = os.getenv('P_' + n)\nC = os.getenv(name)\n";
    let all = reads(src);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|r| r.key.is_none() && r.chain.is_empty()));
    assert_eq!(
        all.iter().map(|r| r.location.row).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

#[test]
fn f_string_fields_are_searched() {
    assert_eq!(
        keys("import os\nURL = f\"https://{os.environ['HOST']}/\"\n"),
        vec!["HOST"]
    );
}

#[test]
fn django_environ_reads() {
    let src = r#"import environ
env = environ.Env(DEBUG=(bool, False), HOSTS=(list, []), TIMEOUT=(int, compute()), CAST_ONLY=bool)
environ.Env.read_env(BASE_DIR / ".env")
SECRET_KEY = env("SECRET_KEY")
DEBUG = env("DEBUG")
DEBUG2 = env.bool("DEBUG")
HOSTS = env.list("HOSTS")
TIMEOUT = env.int("TIMEOUT")
CAST_ONLY = env("CAST_ONLY")
PORT = env.int("PORT", default=8000)
NAME = env.str("NAME", "app")
TAGS = env.list("TAGS", str, ["a"])
DATABASES = {"default": env.db()}
CACHES = {"default": env.cache()}
EMAIL = env.email()
OTHER_DB = env.db("REPLICA_URL", default="sqlite://")
"#;
    let all = reads(src);
    let summary: Vec<_> = all
        .iter()
        .map(|r| (key(r), r.required, r.default.clone(), r.has_default))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("SECRET_KEY", true, None, false),
            ("DEBUG", false, Some(DefaultValue::Bool(false)), false),
            ("DEBUG", false, Some(DefaultValue::Bool(false)), false),
            ("HOSTS", false, None, true),
            ("TIMEOUT", false, None, true),
            ("CAST_ONLY", true, None, false),
            ("PORT", false, Some(DefaultValue::Int(8000)), false),
            ("NAME", false, str_default("app"), false),
            ("TAGS", false, None, true),
            ("DATABASE_URL", true, None, false),
            ("CACHE_URL", true, None, false),
            ("EMAIL_URL", true, None, false),
            ("REPLICA_URL", false, str_default("sqlite://"), false),
        ]
    );
    assert!(all.iter().all(|r| r.via == ReadVia::DjangoEnviron));
}

#[test]
fn django_environ_instance_by_any_name() {
    let src = "from environ import Env\ne = Env()\nA = e('A')\nB = e.int('B', 3)\nnot_env('C')\n";
    assert_eq!(keys(src), vec!["A", "B"]);
}

#[test]
fn incident_one_fallback_chain() {
    let src = "import environ\nenv = environ.Env()\nAWS_S3_BUCKET = env(\"S3_UPLOAD_BUCKET\", default=env(\"AWS_STORAGE_BUCKET_NAME\", default=env(\"S3_BUCKET\", default=\"\")))\n";
    let all = reads(src);
    assert_eq!(all.len(), 3);
    let [a, b, c] = [&all[0], &all[1], &all[2]];
    assert_eq!(key(a), "S3_UPLOAD_BUCKET");
    assert_eq!(
        a.chain,
        vec!["S3_UPLOAD_BUCKET", "AWS_STORAGE_BUCKET_NAME", "S3_BUCKET"]
    );
    assert_eq!(
        (a.required, a.default.clone(), a.fallback_of.as_deref()),
        (false, str_default(""), None)
    );
    assert_eq!(b.chain, vec!["AWS_STORAGE_BUCKET_NAME", "S3_BUCKET"]);
    assert_eq!(b.fallback_of.as_deref(), Some("S3_UPLOAD_BUCKET"));
    assert_eq!(c.chain, vec!["S3_BUCKET"]);
    assert_eq!(c.fallback_of.as_deref(), Some("S3_UPLOAD_BUCKET"));
    assert_eq!(c.default, str_default(""));
}

#[test]
fn or_chains_and_nested_getenv() {
    let all = reads("import os\nA = os.getenv('A') or os.getenv('B')\n");
    assert_eq!(all[0].chain, vec!["A", "B"]);
    assert_eq!(all[0].default, Some(DefaultValue::None));
    assert_eq!(all[1].fallback_of.as_deref(), Some("A"));

    let all = reads("import os\nA = os.getenv('A') or os.getenv('B') or 'x'\n");
    assert_eq!(all[0].chain, vec!["A", "B"]);
    assert_eq!(all[0].default, str_default("x"));
    assert_eq!(all[1].fallback_of.as_deref(), Some("A"));

    let all = reads("import os\nA = os.getenv('A', os.getenv('B'))\n");
    assert_eq!(all[0].chain, vec!["A", "B"]);
    assert_eq!(all[0].default, Some(DefaultValue::None));
    assert_eq!(all[1].fallback_of.as_deref(), Some("A"));

    // A value from elsewhere first (a parameter): the reads after it are
    // still one chain.
    let all = reads(
        "import os\ndef f(api_key=None):\n    return api_key or os.getenv('A') or os.getenv('B')\n",
    );
    assert_eq!(all[0].chain, vec!["A", "B"]);
    assert_eq!(all[1].fallback_of.as_deref(), Some("A"));

    // A required head is not rescued by `or`: the KeyError comes first.
    let all = reads("import os\nA = os.environ['A'] or 'x'\n");
    assert_eq!((all[0].required, all[0].chain.len()), (true, 1));
}

#[test]
fn decouple_config() {
    let src = "from decouple import config, Csv\nA = config('A')\nB = config('B', default=False, cast=bool)\nC = config('C', 'x')\nH = config('HOSTS', cast=Csv())\n";
    let all = reads(src);
    let summary: Vec<_> = all
        .iter()
        .map(|r| (key(r), r.required, r.default.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("A", true, None),
            ("B", false, Some(DefaultValue::Bool(false))),
            ("C", false, str_default("x")),
            ("HOSTS", true, None)
        ]
    );
    assert!(all.iter().all(|r| r.via == ReadVia::Decouple));
    assert_eq!(
        keys("from decouple import AutoConfig\ncfg = AutoConfig(search_path='.')\nA = cfg('A')\n"),
        vec!["A"]
    );
}

#[test]
fn config_that_is_not_decouple_is_not_a_read() {
    assert_eq!(
        keys("from app import config\nA = config('A')\n"),
        Vec::<String>::new()
    );
}

#[test]
fn pydantic_settings_fields() {
    let src = r#"from typing import ClassVar, Optional
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env")
    database_url: str
    debug: bool = False
    workers: int = Field(4, ge=1)
    token: str = Field(...)
    sentry: Optional[str] = None
    redis: str = Field(default="redis://")
    api_key: str = Field(alias="EXTERNAL_API_KEY")
    tags: list = Field(default_factory=list)
    _private: int = 1
    VERSION: ClassVar[str] = "1"

    def method(self):
        local: int = 3
"#;
    let all = reads(src);
    let summary: Vec<_> = all
        .iter()
        .map(|r| {
            (
                key(r),
                r.required,
                r.default.clone(),
                r.has_default,
                r.location.row,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("APP_DATABASE_URL", true, None, false, 6),
            (
                "APP_DEBUG",
                false,
                Some(DefaultValue::Bool(false)),
                false,
                7
            ),
            ("APP_WORKERS", false, Some(DefaultValue::Int(4)), false, 8),
            ("APP_TOKEN", true, None, false, 9),
            ("APP_SENTRY", false, Some(DefaultValue::None), false, 10),
            ("APP_REDIS", false, str_default("redis://"), false, 11),
            ("EXTERNAL_API_KEY", true, None, false, 12),
            ("APP_TAGS", false, None, true, 13),
        ]
    );
    assert!(all.iter().all(|r| r.via == ReadVia::PydanticSettings));
}

#[test]
fn pydantic_nested_models_with_a_delimiter() {
    let src = r#"from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

class Pool(BaseModel):
    size: int = 5

class Db(BaseModel):
    host: str
    port: int = 5432
    pool: Pool

class Cache(BaseModel):
    url: str

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", env_nested_delimiter="__")
    db: Db
    cache: Optional[Cache] = None
    name: str = "shop"
"#;
    let all = reads(src);
    let summary: Vec<_> = all
        .iter()
        .map(|r| {
            (
                key(r).to_string(),
                r.required,
                r.default.clone(),
                r.chain.join(" "),
                r.fallback_of.clone().unwrap_or_default(),
            )
        })
        .collect();
    let row = |k: &str, required, default, chain: &str, of: &str| {
        (
            k.to_string(),
            required,
            default,
            chain.to_string(),
            of.to_string(),
        )
    };
    assert_eq!(
        summary,
        vec![
            row("APP_DB__HOST", true, None, "APP_DB__HOST APP_DB", ""),
            row(
                "APP_DB__PORT",
                false,
                Some(DefaultValue::Int(5432)),
                "APP_DB__PORT APP_DB",
                ""
            ),
            row(
                "APP_DB__POOL__SIZE",
                false,
                Some(DefaultValue::Int(5)),
                "APP_DB__POOL__SIZE APP_DB__POOL APP_DB",
                ""
            ),
            row("APP_DB", false, None, "APP_DB", "APP_DB__HOST"),
            row("APP_DB__POOL", false, None, "APP_DB__POOL", "APP_DB__HOST"),
            // The model has a default: its fields need no env.
            row(
                "APP_CACHE__URL",
                false,
                None,
                "APP_CACHE__URL APP_CACHE",
                ""
            ),
            row(
                "APP_CACHE",
                false,
                Some(DefaultValue::None),
                "APP_CACHE",
                "APP_CACHE__URL"
            ),
            row("APP_NAME", false, str_default("shop"), "APP_NAME", ""),
        ]
    );
    assert!(all.iter().all(|r| r.via == ReadVia::PydanticSettings));
    // Without a delimiter, the model is one key, read as JSON.
    let plain = src.replace(", env_nested_delimiter=\"__\"", "");
    assert_eq!(keys(&plain), vec!["APP_DB", "APP_CACHE", "APP_NAME"]);
}

#[test]
fn pydantic_v1_config_and_project_base() {
    let src = r#"from pydantic_settings import BaseSettings

class AppBase(BaseSettings):
    class Config:
        env_prefix = "svc_"
        case_sensitive = True

class Settings(AppBase):
    port: int = 8000

class NotSettings(object):
    name: str
"#;
    assert_eq!(keys(src), vec!["svc_port"]);
}

#[test]
fn wrapper_helpers_in_one_file() {
    let src = r#"import os

def env_int(name, default):
    return int(os.environ.get(name, default))

def must(name):
    return os.environ[name]

def get(name, default="x"):
    return os.getenv(name, default)

def flag(key, default=None):
    value = os.getenv(key)
    return value if value is not None else default

def env_bool(name, default=False):
    return get(name, default).lower() == "true"

WORKERS = env_int("WORKERS", 4)
SECRET = must("SECRET")
A = get("A")
B = get("B", default="b")
C = flag("C", True)
D = env_bool("D")
"#;
    let all = reads(src);
    let summary: Vec<_> = all
        .iter()
        .map(|r| (key(r), r.via, r.required, r.default.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "WORKERS",
                ReadVia::Wrapper,
                false,
                Some(DefaultValue::Int(4))
            ),
            ("SECRET", ReadVia::Wrapper, true, None),
            ("A", ReadVia::Wrapper, false, str_default("x")),
            ("B", ReadVia::Wrapper, false, str_default("b")),
            ("C", ReadVia::Wrapper, false, Some(DefaultValue::Bool(true))),
            (
                "D",
                ReadVia::Wrapper,
                false,
                Some(DefaultValue::Bool(false))
            ),
        ]
    );
}

/// `os.environ.get(name) or os.environ.get(f"SMARTER_{name}")`: a call of
/// the helper is satisfied by either key.
#[test]
fn a_helper_trying_a_prefixed_key_reads_both() {
    let src = r#"import os

def get_env(var_name, default=None):
    retval = os.environ.get(var_name) or os.environ.get(f"SMARTER_{var_name}")
    return retval if retval is not None else default

def plain(name):
    return os.environ[name]

REGION = get_env("AWS_REGION")
SECRET = plain("SECRET")
"#;
    let chains: Vec<Vec<String>> = reads(src).into_iter().map(|r| r.chain).collect();
    assert_eq!(
        chains,
        [
            vec!["AWS_REGION".to_string(), "SMARTER_AWS_REGION".to_string()],
            vec!["SECRET".to_string()],
        ]
    );
}

/// `value = os.getenv(name)` then `if not value: raise`: the helper fails
/// on a missing key, so its calls are required.
#[test]
fn a_helper_raising_on_an_empty_value_is_required() {
    let src = r#"import os

def get_env_var(var_name):
    value = os.getenv(var_name)
    if not value:
        raise ValueError(f"{var_name} is not set")
    return value

def lenient(name):
    value = os.getenv(name)
    if not value:
        log("missing")
    return value

BASE_URL = get_env_var("BASE_URL")
OTHER = lenient("OTHER")
"#;
    let required: Vec<(String, bool)> = reads(src)
        .into_iter()
        .map(|r| (key(&r).to_string(), r.required))
        .collect();
    assert_eq!(
        required,
        [("BASE_URL".to_string(), true), ("OTHER".to_string(), false)]
    );
}

#[test]
fn key_forms_are_read_from_env_reads_only() {
    let body = "def f(n):\n    log(f\"missing {n}\")\n    return os.getenv(f'APP_{n}_FILE') or os.getenv(f\"{n}\")\n";
    assert_eq!(
        super::analyze::key_forms_for_tests(body, "n"),
        [("APP_".to_string(), "_FILE".to_string())]
    );
}

#[test]
fn helpers_and_env_instances_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        crate::collect::InputFile {
            rel: rel.into(),
            abs: path,
        }
    };
    let files = vec![
        write(
            "app/conf.py",
            "from .util import setting\nA = setting('FROM_HELPER')\n",
        ),
        write(
            "app/util.py",
            "import os\n\ndef setting(name):\n    return os.environ[name]\n",
        ),
        write(
            "config/base.py",
            "import environ\nenv = environ.Env(DEBUG=(bool, False))\n",
        ),
        write(
            "config/prod.py",
            "from .base import *  # noqa\nfrom .base import env\nX = env('PROD_KEY')\nD = env('DEBUG')\n",
        ),
        write(
            "config/models.py",
            "from .base_settings import Base\nclass S(Base):\n    port: int = 1\n",
        ),
        write(
            "config/base_settings.py",
            "from pydantic_settings import BaseSettings\nclass Base(BaseSettings):\n    model_config = {}\n",
        ),
    ];
    let expected = vec![
        ("app/conf.py".to_string(), "FROM_HELPER".to_string(), true),
        ("config/models.py".to_string(), "PORT".to_string(), false),
        ("config/prod.py".to_string(), "PROD_KEY".to_string(), true),
        ("config/prod.py".to_string(), "DEBUG".to_string(), false),
    ];
    for threads in [1, 3] {
        let facts = collect_files(&files, threads);
        assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
        let got: Vec<_> = facts
            .reads
            .iter()
            .map(|r| (r.location.file.to_string(), key(r).to_string(), r.required))
            .collect();
        assert_eq!(got, expected, "threads {threads}");
    }
}

#[test]
fn prefilter_skips_files_without_env_words() {
    assert!(!may_read_env(b"import json\nprint('hello')\n"));
    assert!(may_read_env(b"from os import getenv\n"));
    assert!(may_read_env(b"class S(BaseSettings): pass\n"));
}

#[test]
fn syntax_errors_keep_the_reads_and_say_where() {
    let facts = collect_source(
        "settings.py",
        "import os\nA = os.environ['A']\ndef broken(:\n    pass\n",
    );
    assert_eq!(facts.reads.len(), 1);
    assert_eq!(facts.unparsed.len(), 1);
    assert!(
        facts.unparsed[0].message.contains("syntax error"),
        "{:?}",
        facts.unparsed
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 100_000;
    let src = format!(
        "import os\nX = {}os.getenv('DEEP'){}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let facts = collect_source("settings.py", &src);
    // Too deep to unwrap the parentheses as a default, never too deep to walk.
    assert!(
        facts.reads.iter().any(|r| r.key.as_deref() == Some("DEEP")),
        "{:?}",
        facts.reads.len()
    );
    let src = format!(
        "import os\nX = os.getenv('A', {}'d'{})\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let facts = collect_source("settings.py", &src);
    assert_eq!(facts.reads.len(), 1);
    assert!(facts.reads[0].has_default);
}

#[test]
fn a_method_keyed_by_its_parameter_is_an_unknown_read() {
    let all = reads(
        "import os\nclass Conf:\n    def get(self, name):\n        return os.environ[name]\n",
    );
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].key.clone(), all[0].location.row), (None, 3));
}

#[test]
#[ignore = "timing: cargo test --config 'profile.dev.package.envtrail.opt-level=2' --lib perf_ -- --ignored --nocapture"]
fn perf_analysis_against_bare_parse() {
    let mut body =
        String::from("import os\nimport environ\nenv = environ.Env(DEBUG=(bool, False))\n");
    for i in 0..200 {
        body.push_str(&format!(
            "def view_{i}(request, pk=None):\n    obj = Model.objects.filter(pk=pk).first()\n    data = {{'a': [1, 2, 3], 'b': obj and obj.name or 'x'}}\n    return JsonResponse(data, status=200)\n\nSETTING_{i} = env('KEY_{i}', default=os.getenv('ALT_{i}', '{i}'))\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = (0..300)
        .map(|i| {
            let path = dir.path().join(format!("m{i}.py"));
            std::fs::write(&path, &body).unwrap();
            crate::collect::InputFile {
                rel: format!("m{i}.py"),
                abs: path,
            }
        })
        .collect();
    // Interleaved, so a busy machine slows both sides alike.
    let mut parser = syntax::python_parser().unwrap();
    let (mut parse, mut analysis) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let known = analyze::Knowledge::default();
    for f in &files {
        let text = std::fs::read_to_string(&f.abs).unwrap();
        let start = std::time::Instant::now();
        let tree = parser.parse(&text, None).unwrap();
        let parsed = std::time::Instant::now();
        std::hint::black_box(analyze::analyze(&f.rel, &text, &tree, &known));
        analysis += parsed.elapsed();
        parse += parsed - start;
    }
    let mut bare_walk = std::time::Duration::ZERO;
    for f in &files {
        let text = std::fs::read_to_string(&f.abs).unwrap();
        let tree = parser.parse(&text, None).unwrap();
        let start = std::time::Instant::now();
        let mut cursor = tree.walk();
        let mut n = 0usize;
        'walk: loop {
            n += usize::from(cursor.node().kind_id());
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        std::hint::black_box(n);
        bare_walk += start.elapsed();
    }
    // The floor for any tree-based collector, query or walk: visiting every node.
    eprintln!("a bare cursor walk over the same trees: {bare_walk:?}");
    assert_eq!(collect_files(&files, 1).reads.len(), 300 * 400);
    eprintln!(
        "parse {parse:?}, analysis {analysis:?}: collector/parse {:.2}",
        (parse + analysis).as_secs_f64() / parse.as_secs_f64()
    );
}

#[test]
fn statements_without_env_words_are_still_reads_through_bound_names() {
    // None of these statements mentions an env word: the names bound above carry them.
    let src = r#"from os import environ as E
from decouple import AutoConfig
import os

def setting(name):
    return os.environ[name]

def flag(name):
    return setting(name) == "1"

cfg = AutoConfig()
A = E["A"]
B = cfg("B")
C = flag("C")
D = len("not a read")
"#;
    assert_eq!(keys(src), vec!["A", "B", "C"]);
}

#[test]
fn the_prefilter_wants_whole_identifiers() {
    use super::may_read_env;
    for text in [
        "x = os.environ['A']",
        "from os import getenv",
        "env = environ.Env()",
        "DEBUG = env('DEBUG')",
        "from decouple import config as c",
        "class S(AppBaseSettings): pass",
        "X = config('X')",
        "X = config ('X')",
        "from .base import env\nA = env.int('A')",
    ] {
        assert!(may_read_env(text.as_bytes()), "{text}");
    }
    for text in [
        "environment = 'prod'",
        "self.configure()",
        "settings_env_name = 1",
        "my_config = load()",
        "Envelope()",
        "config = load_config()\nprint(config.name)",
        "env = {}\nenv['A'] = 1",
        "apps.get_app_config('x')",
    ] {
        assert!(!may_read_env(text.as_bytes()), "{text}");
    }
}

#[test]
fn names_the_module_manage_py_points_at() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        crate::collect::InputFile {
            rel: rel.into(),
            abs: path,
        }
    };
    // `production.py` under `conf/` is no settings module by name: only
    // manage.py says it is one.
    let files = vec![
        write(
            "site/manage.py",
            "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"proj.conf.production\")\n",
        ),
        write("site/proj/conf/production.py", "DEBUG = False\n"),
        write("site/proj/views.py", "X = 1\n"),
        write("site/proj/settings.py", "Y = 1\n"),
    ];
    assert!(!modules::is_settings_module("site/proj/conf/production.py"));
    for threads in [1, 2] {
        let facts = SettingsCollector.collect(
            &files,
            &Context {
                threads,
                ..Context::default()
            },
        );
        assert_eq!(
            facts.settings_modules,
            ["site/proj/conf/production.py", "site/proj/settings.py"],
            "threads {threads}"
        );
    }
}

// Reads under a branch that tests the env: the guard says which keys.

/// The read of `key` in `src` (a file importing os and environ).
fn read_of(src: &str, wanted: &str) -> EnvRead {
    let src = format!("import os\nimport environ\nenv = environ.Env()\n{src}");
    reads(&src)
        .into_iter()
        // A membership test is a read of its own (see `membership_tests_are_reads`).
        .find(|r| key(r) == wanted && r.location.row > 2 && r.via != ReadVia::OsEnvironIn)
        .unwrap_or_else(|| panic!("no read of {wanted} in {src}"))
}

/// (keys that must be set, keys that must be unset, tests something else too)
fn guard_of(src: &str, wanted: &str) -> Option<(Vec<String>, Vec<String>, bool)> {
    read_of(src, wanted)
        .guard
        .map(|g| (g.set, g.unset, g.other))
}

fn names(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

#[test]
fn unguarded_read_has_no_guard() {
    assert_eq!(guard_of("X = os.environ['K']\n", "K"), None);
    // The condition itself is not under its own branch.
    assert_eq!(guard_of("if os.getenv('K'):\n    pass\n", "K"), None);
}

#[test]
fn membership_test_of_the_same_key_guards_the_read() {
    let src = "if 'SENTRY_DSN' in os.environ:\n    DSN = os.environ['SENTRY_DSN']\n";
    let r = read_of(src, "SENTRY_DSN");
    assert!(r.required, "the read itself still fails when reached");
    let guard = r.guard.expect("guarded");
    assert_eq!((guard.set, guard.other), (names(&["SENTRY_DSN"]), false));
    assert_eq!((guard.location.row, guard.location.column), (3, 3));
}

#[test]
fn a_read_used_as_truth_value_guards_the_branch() {
    for condition in [
        "os.environ.get('K')",
        "os.getenv('K')",
        "env('K', default=None)",
        "(v := os.getenv('K'))",
        "os.getenv('K') is not None",
    ] {
        let src = format!("if {condition}:\n    X = os.environ['INNER']\n");
        assert_eq!(
            guard_of(&src, "INNER"),
            Some((names(&["K"]), vec![], false)),
            "{condition}"
        );
    }
    // A truthy default runs the branch without the key: nothing to tie it to.
    let src = "if os.getenv('K', 'yes'):\n    X = os.environ['INNER']\n";
    assert_eq!(guard_of(src, "INNER"), Some((vec![], vec![], true)));
}

#[test]
fn elif_and_else_branches_need_the_earlier_tests_to_fail() {
    let src = "if 'DATABASE_URL' in os.environ:\n    A = 1\nelif 'DB_NAME' in os.environ:\n    U = os.environ['DB_USER']\nelse:\n    H = os.environ['DB_HOST']\n";
    assert_eq!(
        guard_of(src, "DB_USER"),
        Some((names(&["DB_NAME"]), names(&["DATABASE_URL"]), false))
    );
    assert_eq!(
        guard_of(src, "DB_HOST"),
        Some((vec![], names(&["DATABASE_URL", "DB_NAME"]), false))
    );
}

#[test]
fn a_cast_flag_or_a_flag_derived_from_a_read_guards_the_branch() {
    // A cast value may be set and false: the key is needed, not enough.
    let src = "if env.bool('FLAG'):\n    X = os.environ['INNER']\n";
    assert_eq!(
        guard_of(src, "INNER"),
        Some((names(&["FLAG"]), vec![], true))
    );
    let src = "FLAG = env.bool('FLAG', default=False)\nif FLAG:\n    X = os.environ['INNER']\n";
    assert_eq!(
        guard_of(src, "INNER"),
        Some((names(&["FLAG"]), vec![], true))
    );
    let src = "DSN = os.getenv('DSN')\nif DSN:\n    X = os.environ['INNER']\n";
    assert_eq!(
        guard_of(src, "INNER"),
        Some((names(&["DSN"]), vec![], false))
    );
    let src = "STAGE = os.getenv('STAGE')\nif STAGE == 'prod':\n    X = os.environ['INNER']\n";
    assert_eq!(
        guard_of(src, "INNER"),
        Some((names(&["STAGE"]), vec![], true))
    );
    let src = "if os.getenv('STAGE', 'prod') == 'prod':\n    X = os.environ['INNER']\n";
    assert_eq!(guard_of(src, "INNER"), Some((vec![], vec![], true)));
}

#[test]
fn a_condition_that_is_no_env_test_still_guards_the_read() {
    let src = "DEBUG = True\nif DEBUG:\n    X = os.environ['INNER']\n";
    assert_eq!(guard_of(src, "INNER"), Some((vec![], vec![], true)));
    // `or`: either side may hold.
    let src = "if 'A' in os.environ or 'B' in os.environ:\n    X = os.environ['INNER']\n";
    assert_eq!(guard_of(src, "INNER"), Some((vec![], vec![], true)));
    let src = "if 'A' in os.environ and 'B' not in os.environ:\n    X = os.environ['INNER']\n";
    assert_eq!(
        guard_of(src, "INNER"),
        Some((names(&["A"]), names(&["B"]), false))
    );
}

#[test]
fn conditional_expression_guards_its_branches() {
    let src =
        "H = (\n    tuple(os.environ['PROXY'])\n    if 'PROXY' in os.environ\n    else None\n)\n";
    assert_eq!(
        guard_of(src, "PROXY"),
        Some((names(&["PROXY"]), vec![], false))
    );
    let src = "H = 1 if 'PROXY' in os.environ else os.environ['OTHER']\n";
    assert_eq!(
        guard_of(src, "OTHER"),
        Some((vec![], names(&["PROXY"]), false))
    );
}

#[test]
fn an_early_return_guards_the_rest_of_the_function() {
    let src = "def dsn():\n    if not os.getenv('SENTRY_DSN'):\n        return None\n    return os.environ['SENTRY_ENV']\n";
    assert_eq!(
        guard_of(src, "SENTRY_ENV"),
        Some((names(&["SENTRY_DSN"]), vec![], false))
    );
    // A raise is no fallback: the read is as required as ever.
    let src = "def dsn():\n    if not os.getenv('SENTRY_DSN'):\n        raise RuntimeError\n    return os.environ['SENTRY_ENV']\n";
    assert_eq!(guard_of(src, "SENTRY_ENV"), None);
}

#[test]
fn keyerror_handler_makes_the_read_fall_back() {
    for handler in [
        "except KeyError:",
        "except KeyError as exc:",
        "except (KeyError, ValueError):",
        "except:",
    ] {
        let src = format!("try:\n    R = os.environ['REDIS_URL']\n{handler}\n    R = None\n");
        let r = read_of(&src, "REDIS_URL");
        assert!(!r.required && r.has_default, "{handler}");
        assert_eq!(r.guard, None, "{handler}: a fallback, not a branch");
    }
    // Another exception, or a handler that raises again: still required.
    for handler in [
        "except ValueError:\n    R = None",
        "except KeyError:\n    raise RuntimeError('REDIS_URL')",
    ] {
        let src = format!("try:\n    R = os.environ['REDIS_URL']\n{handler}\n");
        assert!(read_of(&src, "REDIS_URL").required, "{handler}");
    }
    // A read in the handler, or in the exception it names, runs only when
    // the first one failed.
    let src = "try:\n    A = os.environ['ID']\nexcept KeyError:\n    B = os.environ['TOKEN']\n";
    let r = read_of(src, "TOKEN");
    assert!(r.required);
    assert_eq!(r.guard.map(|g| g.other), Some(true));
    let src = "try:\n    A = 1\nexcept ERRORS[os.environ['MODE']]:\n    B = 2\n";
    assert_eq!(read_of(src, "MODE").guard.map(|g| g.other), Some(true));
}

#[test]
fn an_elif_condition_runs_only_once_the_earlier_tests_failed() {
    let src = "if 'DATABASE_URL' in os.environ:\n    A = 1\nelif os.environ['DB_ENGINE'] == 'mysql':\n    B = 1\n";
    assert_eq!(
        guard_of(src, "DB_ENGINE"),
        Some((vec![], names(&["DATABASE_URL"]), false))
    );
}

#[test]
fn not_of_a_test_is_known_only_for_an_exact_test_of_one_key() {
    let inner = "    X = os.environ['INNER']\n";
    // `not` of a key needed unset: the key is set.
    let src = format!("LOCAL = 'DSN' not in os.environ\nif not LOCAL:\n{inner}");
    assert_eq!(
        guard_of(&src, "INNER"),
        Some((names(&["DSN"]), vec![], false))
    );
    // `not` of a test of two keys, or of a cast flag: nothing certain.
    let src = format!("BOTH = 'A' in os.environ and 'B' in os.environ\nif not BOTH:\n{inner}");
    assert_eq!(guard_of(&src, "INNER"), Some((vec![], vec![], true)));
    let src = format!("FLAG = env.bool('FLAG')\nif not FLAG:\n{inner}");
    assert_eq!(guard_of(&src, "INNER"), Some((vec![], vec![], true)));
}

#[test]
fn and_of_an_exact_test_and_a_cast_flag_is_not_exact() {
    let src = "if 'A' in os.environ and env.bool('FLAG'):\n    X = os.environ['INNER']\n";
    assert_eq!(
        guard_of(src, "INNER"),
        Some((names(&["A", "FLAG"]), vec![], true))
    );
}

#[test]
fn a_condition_nested_deeper_than_the_limit_is_opaque() {
    let nested = |depth: usize| {
        format!(
            "if {}'K' in os.environ:\n    X = os.environ['INNER']\n",
            "not ".repeat(depth)
        )
    };
    // 32 `not`s (an even count) still test K; one more is past the limit.
    assert_eq!(
        guard_of(&nested(32), "INNER"),
        Some((names(&["K"]), vec![], false))
    );
    assert_eq!(guard_of(&nested(33), "INNER"), Some((vec![], vec![], true)));
}

#[test]
fn and_chains_and_walrus_nested_deeper_than_the_limit_are_opaque() {
    let leaf = "'K' in os.environ";
    let right =
        |n: usize| (0..n).fold(leaf.to_string(), |inner, _| format!("{leaf} and ({inner})"));
    let left = |n: usize| (0..n).fold(leaf.to_string(), |inner, _| format!("({inner}) and {leaf}"));
    let walrus = |n: usize| (0..n).fold(leaf.to_string(), |inner, i| format!("(v{i} := {inner})"));
    let opaque = |condition: String| {
        let src = format!("if {condition}:\n    X = os.environ['INNER']\n");
        guard_of(&src, "INNER").map(|(_, _, other)| other)
    };
    for (shape, nest) in [
        ("right", &right as &dyn Fn(usize) -> String),
        ("left", &left),
        ("walrus", &walrus),
    ] {
        assert_eq!(opaque(nest(32)), Some(false), "{shape}, 32 deep");
        assert_eq!(opaque(nest(33)), Some(true), "{shape}, 33 deep");
    }
}

#[test]
fn a_flag_tests_its_key_only_once_assigned() {
    for condition in ["FLAG", "FLAG == 'on'"] {
        let src = format!(
            "OTHER = os.getenv('OTHER')\nif {condition}:\n    X = os.environ['INNER']\nFLAG = os.getenv('FLAG')\n"
        );
        assert_eq!(
            guard_of(&src, "INNER"),
            Some((vec![], vec![], true)),
            "{condition}"
        );
    }
}

#[test]
fn membership_and_identity_tests_are_env_tests_only_of_the_environ_and_none() {
    let inner = "    X = os.environ['INNER']\n";
    let src = format!("ALLOWED = ['K']\nif 'K' in ALLOWED:\n{inner}");
    assert_eq!(guard_of(&src, "INNER"), Some((vec![], vec![], true)));
    let src = format!("SENTINEL = object()\nif os.getenv('K') is SENTINEL:\n{inner}");
    assert_eq!(guard_of(&src, "INNER"), Some((vec![], vec![], true)));
    let src = format!("if os.getenv('K') is None:\n{inner}");
    assert_eq!(
        guard_of(&src, "INNER"),
        Some((vec![], names(&["K"]), false))
    );
}

#[test]
fn comparing_a_read_with_a_literal_needs_the_key_either_way_round() {
    let inner = "    X = os.environ['INNER']\n";
    let needs_mode = Some((names(&["MODE"]), vec![], true));
    for condition in [
        "os.getenv('MODE') == 'worker'",
        "'worker' == os.getenv('MODE')",
        "os.environ['MODE'] == 'worker'",
    ] {
        let src = format!("if {condition}:\n{inner}");
        assert_eq!(guard_of(&src, "INNER"), needs_mode, "{condition}");
    }
    // A name derived from the read, on the right.
    let src = format!("MODE = os.getenv('MODE')\nif 'worker' == MODE:\n{inner}");
    assert_eq!(guard_of(&src, "INNER"), needs_mode);
    // A name derived from a test of two keys is no read to compare.
    let src = format!("BOTH = 'A' in os.environ and 'B' in os.environ\nif BOTH == 'x':\n{inner}");
    assert_eq!(guard_of(&src, "INNER"), Some((vec![], vec![], true)));
}

#[test]
fn the_collector_wants_python_outside_migrations_and_inside_the_settings_globs() {
    let mut ctx = crate::collect::Context::default();
    for rel in ["app/settings.py", "config/prod.py", "manage.py"] {
        assert!(SettingsCollector.wants(rel, &ctx), "{rel}");
    }
    for rel in [
        "app/migrations/0001_initial.py",
        "README.md",
        "app/settings.pyc",
    ] {
        assert!(!SettingsCollector.wants(rel, &ctx), "{rel}");
    }
    // `--settings config/*.py` narrows the Python files read, never widens them.
    ctx.settings_globs = crate::config::Globs::new(["config/*.py", "config/*.md"]).unwrap();
    assert!(SettingsCollector.wants("config/prod.py", &ctx));
    assert!(!SettingsCollector.wants("app/settings.py", &ctx));
    assert!(!SettingsCollector.wants("config/notes.md", &ctx));
}

#[test]
fn setdefault_is_also_a_write_of_its_value_for_the_rest_of_the_process() {
    let facts = collect_source(
        "app/settings.py",
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\nos.environ.setdefault('WORKERS', compute())\nDEBUG = os.environ.get('DEBUG', '0')\n",
    );
    let writes: Vec<(&str, WriteVia, Source, u32)> = facts
        .writes
        .iter()
        .map(|w| (w.key.as_str(), w.via, w.source.clone(), w.location.row))
        .collect();
    // `get` with a default reads only; setdefault sets its value, a literal
    // or one envtrail does not follow.
    assert_eq!(
        writes,
        [
            (
                "DJANGO_SETTINGS_MODULE",
                WriteVia::PythonSetdefault,
                Source::Literal,
                1
            ),
            ("WORKERS", WriteVia::PythonSetdefault, Source::Unknown, 2),
        ]
    );
}

#[test]
fn a_python_file_that_cannot_be_read_is_unparsed_and_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = crate::collect::write_inputs(
        dir.path(),
        &[("app/settings.py", "import os\nA = os.environ['A']\n")],
    );
    files.push(crate::collect::InputFile {
        rel: "app/gone.py".into(),
        abs: dir.path().join("app/gone.py"),
    });
    let facts = collect_files(&files, 1);
    let unparsed: Vec<&str> = facts
        .unparsed
        .iter()
        .map(|u| u.location.file.as_str())
        .collect();
    assert_eq!(unparsed, ["app/gone.py"]);
    assert!(
        facts.unparsed[0].message.starts_with("cannot read"),
        "{:?}",
        facts.unparsed
    );
    let keys: Vec<Option<&str>> = facts.reads.iter().map(|r| r.key.as_deref()).collect();
    assert_eq!(keys, [Some("A")]);
}

#[test]
fn a_statement_without_needles_is_read_when_it_names_a_bound_reader() {
    // Neither `myenv`, `cfg`, `conf` nor `decouple.config(` is a needle the
    // statement filter knows: the names bound before make these statements reads.
    for (src, key) in [
        (
            "import environ\nmyenv = environ.Env()\nA = myenv('A')\n",
            "A",
        ),
        (
            "import environs\ncfg = environs.Env()\nB = cfg.str('B')\n",
            "B",
        ),
        (
            "from dynaconf import Dynaconf\nconf = Dynaconf()\nC = conf.C\n",
            "DYNACONF_C",
        ),
        ("import decouple\nD = decouple.config('D')\n", "D"),
    ] {
        assert_eq!(keys(src), [key], "{src}");
    }
}

#[test]
fn a_helper_imported_by_name_from_another_module_reads() {
    let facts = collect_written(&[
        (
            "app/util.py",
            "import os\ndef setting(name):\n    return os.environ[name]\n",
        ),
        (
            "app/settings.py",
            "from app.util import setting\nSECRET = setting('SECRET')\n",
        ),
    ]);
    let found: Vec<(&str, Option<&str>)> = facts
        .reads
        .iter()
        .map(|r| (r.location.file.as_str(), r.key.as_deref()))
        .collect();
    // The helper's own read is its callers' reads, not one of its own.
    assert_eq!(found, [("app/settings.py", Some("SECRET"))]);
}

#[test]
fn a_star_import_of_a_known_library_binds_its_readers() {
    for (src, expected) in [
        (
            "from os import *\nA = environ.get('A')\nB = getenv('B')\n",
            &["A", "B"][..],
        ),
        ("from environ import *\nenv = Env()\nA = env('A')\n", &["A"]),
        (
            "from configurations import *\nclass C(Configuration):\n    X = values.Value('d')\n",
            &["DJANGO_X"],
        ),
        (
            "from dynaconf import *\nconf = Dynaconf()\nA = conf.A\n",
            &["DYNACONF_A"],
        ),
        ("from decouple import *\nA = config('A')\n", &["A"]),
        (
            "from pydantic_settings import *\nclass S(BaseSettings):\n    url: str\n",
            &["URL"],
        ),
    ] {
        assert_eq!(keys(src), expected, "{src}");
    }
    // A named import binds only what it names.
    assert!(keys("from os import path\nA = environ.get('A')\n").is_empty());
}

#[test]
fn only_dynaconfs_own_classes_make_an_instance() {
    let src = "import dynaconf\nconf = dynaconf.Dynaconf()\nother = dynaconf.Validator('A')\nB = conf.B\nC = other.C\n";
    assert_eq!(keys(src), ["DYNACONF_B"]);
}

#[test]
fn a_decouple_config_made_through_the_module_reads() {
    let src = "import decouple\ncfg = decouple.AutoConfig(search_path='.')\nother = decouple.Csv()\nA = cfg('A')\nB = other('B')\n";
    assert_eq!(keys(src), ["A"]);
}

#[test]
fn os_and_decouple_methods_other_than_the_readers_are_no_reads() {
    let src = "import os, decouple, other\nos.makedirs('logs')\nH = decouple.Csv('x')\nA = os.getenv('A')\nB = decouple.config('B')\nC = other.getenv('C')\nD = other.config('D')\n";
    assert_eq!(keys(src), ["A", "B"]);
}

#[test]
fn a_helper_called_through_its_module_in_a_file_that_reads_is_read() {
    let facts = collect_written(&[
        (
            "util.py",
            "import os\ndef setting(name):\n    return os.environ[name]\n",
        ),
        (
            "settings.py",
            "import os\nimport util\nA = util.setting('A')\nB = os.environ['B']\n",
        ),
    ]);
    let keys: Vec<_> = facts.reads.into_iter().filter_map(|r| r.key).collect();
    assert_eq!(keys, ["A", "B"]);
}

/// Only a read of the helper's own function that spells the helper's key
/// form is that form; other f-string reads stay reads of unknown keys.
#[test]
fn a_helper_key_form_is_only_the_helpers_own_spelling() {
    let src = r#"import os

def get_env(var_name):
    mode = os.environ.get(f"MODE_{other}")
    return os.environ.get(var_name) or os.environ.get(f"SMARTER_{var_name}")

def legacy(suffix):
    return os.environ.get(f"SMARTER_{var_name}")

REGION = get_env("AWS_REGION")
"#;
    let found: Vec<(Option<String>, u32)> = reads(src)
        .into_iter()
        .map(|r| (r.key, r.location.row))
        .collect();
    assert_eq!(
        found,
        [(None, 3), (None, 7), (Some("AWS_REGION".into()), 9)]
    );
}

#[test]
fn only_environs_own_module_makes_an_env_through_an_attribute() {
    let src = "import environs\nimport other\ngood = environs.Env()\nbad = other.Env()\nA = good('A')\nB = bad('B')\n";
    assert_eq!(keys(src), ["A"]);
}

#[test]
fn a_value_class_through_an_attribute_needs_configurations_values() {
    let src = "import configurations\nimport other\nclass C(configurations.Configuration):\n    A = configurations.values.Value('a')\n    B = configurations.other.Value('b')\n    D = other.values.Value('d')\n";
    assert_eq!(keys(src), ["DJANGO_A"]);
}

/// `not` of a read returning the raw string is "the key is unset"; `not`
/// of a cast value (a bool, an int) says nothing certain about the key.
#[test]
fn not_of_a_read_is_exact_only_where_the_read_returns_the_raw_string() {
    let inner = "    X = os.environ['INNER']\n";
    let unset = Some((vec![], names(&["K"]), false));
    let unknown = Some((vec![], vec![], true));
    for (read, expected) in [
        ("os.environ.pop('K', '')", &unset),
        ("os.environ.setdefault('K', '')", &unset),
        ("env('K', default='')", &unset),
        ("env.str('K', default='')", &unset),
        ("env.int('K', default=0)", &unknown),
    ] {
        let src = format!("if not {read}:\n{inner}");
        assert_eq!(&guard_of(&src, "INNER"), expected, "{read}");
    }
    for (prefix, read, expected) in [
        (
            "from decouple import config",
            "config('K', default='')",
            &unset,
        ),
        (
            "from decouple import config",
            "config('K', default='', cast=bool)",
            &unknown,
        ),
        (
            "from environs import Env\nenv = Env()",
            "env('K', '')",
            &unset,
        ),
        (
            "from environs import Env\nenv = Env()",
            "env.str('K', '')",
            &unset,
        ),
        (
            "from environs import Env\nenv = Env()",
            "env.int('K', 0)",
            &unknown,
        ),
    ] {
        let src = format!("import os\n{prefix}\nif not {read}:\n{inner}");
        let guard = reads(&src)
            .into_iter()
            .find(|r| key(r) == "INNER")
            .and_then(|r| r.guard)
            .map(|g| (g.set, g.unset, g.other));
        assert_eq!(&guard, expected, "{read}");
    }
}

/// A membership test's own guard stands where the test is.
#[test]
fn a_membership_test_is_guarded_at_its_own_place() {
    let r = only("import os\n\nFLAG = 'K' in os.environ\n");
    let guard = r.guard.expect("a membership test guards itself");
    assert_eq!(guard.location, r.location);
    assert_eq!(guard.location.row, 2, "rows count from 0");
}

/// `if name not in os.environ: return default` before the read: the helper
/// falls back to what it returns; the same test after the read is no
/// fallback of it.
#[test]
fn a_helper_returning_early_on_a_missing_key_falls_back() {
    let src = r#"import os

def setting(name, default=None):
    if name not in os.environ:
        return default
    return os.environ[name]

def late(name):
    value = os.environ[name]
    if name not in os.environ:
        return None
    return value

def logged(name):
    if name not in os.environ:
        log(name)
    return os.environ[name]

A = setting("A")
B = setting("B", "b")
C = late("C")
D = logged("D")
"#;
    let found: Vec<(String, bool, Option<DefaultValue>)> = reads(src)
        .into_iter()
        .map(|r| (key(&r).to_string(), r.required, r.default))
        .collect();
    assert_eq!(
        found,
        [
            ("A".to_string(), false, Some(DefaultValue::None)),
            ("B".to_string(), false, str_default("b")),
            ("C".to_string(), true, None),
            ("D".to_string(), true, None),
        ]
    );
}

/// `if not value: raise` before the read assigns `value` tests something
/// else: the helper still falls back to `None`.
#[test]
fn a_raise_before_the_read_does_not_make_a_helper_required() {
    let src = r#"import os

def early(name):
    value = cache.get(name)
    if not value:
        raise ValueError(name)
    value = os.getenv(name)
    return value

E = early("E")
"#;
    assert!(!only(src).required);
}

/// `a or b` goes on to `b` when `a`'s default is falsy (`0` is, `5` is not);
/// `a and b` never does.
#[test]
fn only_or_goes_on_past_a_falsy_default() {
    let first = |src: &str| {
        let r = reads(src).remove(0);
        (r.required, r.default, r.chain)
    };
    assert_eq!(
        first("import os\nX = os.getenv('A', 0) or os.environ['B']\n"),
        (true, None, vec!["A".to_string(), "B".to_string()])
    );
    assert_eq!(
        first("import os\nX = os.getenv('A', 5) or os.environ['B']\n"),
        (false, Some(DefaultValue::Int(5)), vec!["A".to_string()])
    );
    // `and` is no fallback: `B` is read only where `A` is truthy.
    assert_eq!(
        first("import os\nX = os.getenv('A', '') and os.environ['B']\n"),
        (false, str_default(""), vec!["A".to_string()])
    );
}

/// The statement filter knows a file's own top-level names: a decorated
/// helper's, and a reader bound to a name with `_` in it (`app_cfg` holds
/// no needle word, nor do its parts).
#[test]
fn calls_of_decorated_helpers_and_underscored_readers_are_read() {
    let src = "import os\nimport functools\n\n@functools.cache\ndef setting(name):\n    return os.environ[name]\n\nSECRET = setting('SECRET')\n";
    assert_eq!(keys(src), ["SECRET"]);
    let src = "import environ\napp_cfg = environ.Env()\nA = app_cfg('A')\n";
    assert_eq!(keys(src), ["A"]);
}
