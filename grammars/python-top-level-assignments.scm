; Names assigned in a Python module: `STATIC_ROOT = ...`, `A, B = ...`,
; `DEBUG: bool = ...`. The live stage keeps only module-level ones (no
; function or class around them; `if`/`try` blocks are still module level)
; and only UPPER_CASE names, the ones Django takes as settings.
(assignment left: (identifier) @name)
(assignment left: (pattern_list (identifier) @name))
(assignment left: (tuple_pattern (identifier) @name))
