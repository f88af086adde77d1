"""Pages of the video channel: the camera registry and its map, alarms, the 5-5-5 report, the unit's 到场."""
