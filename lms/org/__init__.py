"""Organization: the unit tree, cadre categories, cadres and supervisors' scope."""
