package hubproc

import (
	"os"
	"strings"
	"testing"
)

func TestSecretsAreFreshAndComplete(t *testing.T) {
	a, b := NewSecrets(), NewSecrets()
	if a == b {
		t.Fatal("two runs got the same secrets, want fresh random ones")
	}
	env := a.Env()
	for _, name := range []string{"CIVICLINK_JWT_SECRET=", "CIVICLINK_PII_HMAC_KEY=", "CIVICLINK_PII_ENC_KEY=", "CIVICLINK_AUDIT_KEY="} {
		found := false
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, name); ok && len(v) == 64 {
				found = true
			}
		}
		if !found {
			t.Errorf("Env() = %q, want %s with 64 hex digits", env, name)
		}
	}
}

func TestRSSOfThisProcess(t *testing.T) {
	now, peak, err := RSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if now <= 0 || peak < now {
		t.Errorf("RSS = %d now, %d peak; want 0 < now ≤ peak", now, peak)
	}
}
