; The statements the shell analyser follows, in document order: commands
; (writes to files, ssh, SSM, docker run), `export`/`local`/`declare`, plain
; assignments (the script's own variables) and loop variables.
(command name: (command_name) @name) @command
(declaration_command) @declaration
(variable_assignment name: (variable_name) @assigned) @assignment
(for_statement variable: (variable_name) @loop_var) @for
