"""Near-duplicate postings across employers and portals: fingerprints, SQL band index, fact."""
