"""Growing the bench (flows 16–18): nominations and the contact's own yes, promoters from the NPS
survey, the advocate's own page (preferences, dates not to ask) and their data rights (export,
erasure)."""
