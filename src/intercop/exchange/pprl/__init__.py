"""Privacy-preserving record linkage (PPRL): keyed Bloom-filter CLKs, Dice matching, refs.

Two agencies agree a secret per exchange, each encodes its persons (``encode``), one
side (or a third party) matches the two files (``match``) and each side resolves the
opaque references of the result on its own data only (``resolve``).
"""
