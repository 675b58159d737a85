"""Weak signals: small cues a reviewer weighs, none decisive alone, a calibrated sum flags.

Each cue (`signals.cue.<name>`) is an info finding with the text that raised it; the sum
(`signals.sum`) is a logistic combination of the cue values whose weights, bias and
threshold live in `rules/signals/weights.toml` (fitted by `verifier model train`). The
vocabulary and thresholds of the cues are `rules/signals/cues.toml`, the rules are declared
in `rules/signals/rules.toml`. Reads the `registry`
fact (company size, founding date, business scope, capital, and the employer's sibling
shells: other registered enterprises with its founding date, capital and scope) when it is
there.
"""
