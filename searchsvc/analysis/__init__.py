"""Vietnamese text analysis: normalisation, tone placement, folding, tokenization."""
