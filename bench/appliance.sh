# Shared by the benchmark scripts (sourced, not run): an appliance ready to sign — a verified person and company,
# one principal per seal role and a platform, and an official seal made, filed and granted to the platform.
# Needs: $work (a scratch directory), $build (the release build folder), TRUSTCTL_SERVER exported, and the admin token
# copied to $work/admin.token. Sets: person, org, seal, and ids[ROLE] (principal ids); tokens in $work/ROLE.token.
# Also cpu_ticks PID… (CPU time used so far, for the CPU-per-request figures), ticks_per_second, and
# context_switches PID (how often its threads gave up or lost a core).

# The stand-in registries' data for the signer and the company (before the daemon's first start).
write_registry() { # data directory
  mkdir -p "$1"
  cat > "$1/registry.csv" <<CSV
person,110101199003071233,张三
bank-card,110101199003071233,张三,bank:1
organization,91350100M000100Y43,某某科技有限公司,张三,110101199003071233
tax-account,91350100M000100Y43,某某科技有限公司,tax:1
CSV
}

ctl() { local token=$1; shift; TRUSTCTL_TOKEN_FILE="$work/$token" "$build"/release/trustctl "$@"; }

setup_seal() { # data directory (for the OTP outbox)
  declare -gA ids
  for role in seal-applicant seal-reviewer seal-maker seal-filer seal-granter platform; do
    ids[$role]=$(ctl admin.token principal create --name "bench-$role" --role "$role")
    ctl admin.token principal token "${ids[$role]}" --out "$work/$role.token" >/dev/null
  done
  person=$(ctl admin.token person create --name 张三 --id-number 110101199003071233 --mobile 13800138000)
  local otp code
  otp=$(ctl admin.token person verify "$person" --method sms-otp --json | jq -r .otpId)
  code=$(grep -o 'code=[0-9]*' "$1/otp-outbox" | tail -1 | cut -d= -f2)
  ctl admin.token person verify "$person" --method sms-otp --otp-id "$otp" --code "$code" >/dev/null
  ctl admin.token person verify "$person" --method population-registry >/dev/null
  ctl admin.token person verify "$person" --method bank-card >/dev/null
  org=$(ctl admin.token org create --name 某某科技有限公司 --credit-code 91350100M000100Y43 --legal-representative "$person")
  ctl admin.token org verify "$org" --method business-registry >/dev/null
  ctl admin.token org verify "$org" --method tax-account >/dev/null
  printf '\x89PNG\r\n\x1a\n%0100d' 0 > "$work/seal.png"
  seal=$(ctl seal-applicant.token seal apply --organization "$org" --applicant "$person" --type official \
    --name 某某科技有限公司公章 --picture "$work/seal.png" --width-mm 40 --height-mm 40)
  ctl seal-reviewer.token seal review "$seal" --approve >/dev/null
  ctl seal-maker.token seal make "$seal" >/dev/null
  ctl seal-filer.token seal file "$seal" --number BENCH-1 --authority bench >/dev/null
  ctl seal-granter.token seal grant "$seal" --principal "${ids[platform]}" --valid-to 2099-01-01T00:00:00Z >/dev/null
}

# CPU time (user + system, clock ticks) the given processes have used so far, summed; gone ones count 0.
cpu_ticks() { for p in "$@"; do if [ -r "/proc/$p/stat" ]; then awk '{print $14 + $15}' "/proc/$p/stat"; fi; done | awk '{s += $1} END {print s + 0}'; }
ticks_per_second=$(getconf CLK_TCK)
# context_switches PID: voluntary and involuntary switches of all its threads so far (threads that ended are not counted).
context_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s + 0}'; }
