from layergate.cli import entry

entry()
