#!/usr/bin/env bash
# Regenerates plan.json with the real terraform, offline: providers come from the local filesystem mirror
# (the folder holding registry.terraform.io/hashicorp/aws), never from the network. Run it in this folder.
set -euo pipefail
provider=$(find / -path '*registry.terraform.io/hashicorp/aws*' -name 'terraform-provider-aws*' -print -quit 2>/dev/null || true)
mirror=${provider%%/registry.terraform.io/*}
w=$(mktemp -d)
cp main.tf providers.tf "$w/"
cat > "$w/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/*"] }
}
EOF
export TF_CLI_CONFIG_FILE="$w/cli.tfrc"
(cd "$w" && terraform init -input=false >/dev/null && terraform plan -input=false -out plan.out >/dev/null && terraform show -json plan.out > plan.json)
python3 - "$w/plan.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d.pop("timestamp", None)
with open("plan.json", "w") as fh:
    json.dump(d, fh, indent=1)
    fh.write("\n")
EOF
