"""Stage 5b: the statistics of ``docs/method.md`` §5, one module per question.

- :mod:`.independence` — do revisit targets depend on the phase in focus (R)?
- :mod:`.linearity` — did work move forward through the canonical phase order?
- :mod:`.rate` — revisit events per classified commit, with an interval.
- :mod:`.structure` — are revisits rarer than work with the same serial persistence gives?
- :mod:`.trend` — does the revisit rate per commit change over the months?
- :mod:`.persistence` — how long work stays in a phase, against what the shares alone give.

Each function returns a JSON-ready dict (plain ``int``/``float``/``str``/``list``/``dict``/None,
never a numpy type, never NaN) with its sample size ``n`` and either its values or
``"undefined": "<why>"``. Resampling is seeded, so the same input gives the same numbers.
"""
