//! Text normalization (the steps of `dedup.Normalizer`), bit-identical to the Python reference.
