; Variable reads: `$K` and `${K…}` (with or without a default operator).
(simple_expansion (variable_name) @name) @expansion
(expansion (variable_name) @name) @expansion
