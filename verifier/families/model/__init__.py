"""The learned scorer: character n-grams of title and description plus the weak-signal cues,
a linear model exported as numpy arrays (`rules/model/scorer.npz`), served without
scikit-learn. Emits `model.risk` (flag only, never reject; declared in
`rules/model/rules.toml`), in shadow until `rules/model.toml` puts it in force. Training
(`verifier model train`) needs the `[train]` extra; see docs/model.md.
"""
