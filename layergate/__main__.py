from layergate.cli import main

raise SystemExit(main())
