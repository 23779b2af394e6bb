"""`layergate fix`: floating layer references rewritten into the pinned version ARN they resolve to today."""
