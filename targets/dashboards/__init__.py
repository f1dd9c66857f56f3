"""The dashboards: leaders', a unit's and the inspector's, over the score snapshots and the other apps' selectors.

`selectors` assembles (and caches) the panels, `charts` turns frames into Plotly figures, `views` serves them.
"""
