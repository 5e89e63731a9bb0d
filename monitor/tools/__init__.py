"""Tools beside the flow: diff, eval, extract (inspection), plugin check, plugin scaffold."""
