package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// writeJWKS writes a JWKS file with one RSA and one EC P-256 public key.
func writeJWKS(t *testing.T, rsaKey *rsa.PrivateKey, ecKey *ecdsa.PrivateKey) string {
	t.Helper()
	set := map[string]any{"keys": []map[string]any{
		{"kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
		{"kty": "EC", "kid": "ec1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(ecKey.X.FillBytes(make([]byte, 32))), "y": b64(ecKey.Y.FillBytes(make([]byte, 32)))},
	}}
	raw, _ := json.Marshal(set)
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	secret := []byte("0123456789abcdef0123456789abcdef")
	a, err := New(context.Background(), Options{HMACSecret: secret, JWKS: writeJWKS(t, rsaKey, ecKey), Issuer: "idp"})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(method jwt.SigningMethod, key any, kid string, claims Claims) string {
		tok := jwt.NewWithClaims(method, claims)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := func(role string) Claims {
		return Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "u1", Issuer: "idp", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}, Role: role}
	}
	expired := valid(Admin)
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	wrongIssuer := valid(Admin)
	wrongIssuer.Issuer = "elsewhere"
	noExpiry := valid(Admin)
	noExpiry.ExpiresAt = nil
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	tests := []struct {
		name     string
		header   string
		wantRole string // "" = refused
	}{
		{"HS256", "Bearer " + sign(jwt.SigningMethodHS256, secret, "", valid(StreetStaff)), StreetStaff},
		{"RS256 from JWKS", "Bearer " + sign(jwt.SigningMethodRS256, rsaKey, "rsa1", valid(PoliceOfficer)), PoliceOfficer},
		{"ES256 from JWKS", "Bearer " + sign(jwt.SigningMethodES256, ecKey, "ec1", valid(Analyst)), Analyst},
		{"RS256 by an unknown key", "Bearer " + sign(jwt.SigningMethodRS256, otherRSA, "rsa1", valid(Admin)), ""},
		{"HS256 with another secret", "Bearer " + sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), "", valid(Admin)), ""},
		{"expired", "Bearer " + sign(jwt.SigningMethodHS256, secret, "", expired), ""},
		{"without expiry", "Bearer " + sign(jwt.SigningMethodHS256, secret, "", noExpiry), ""},
		{"wrong issuer", "Bearer " + sign(jwt.SigningMethodHS256, secret, "", wrongIssuer), ""},
		{"unknown role", "Bearer " + sign(jwt.SigningMethodHS256, secret, "", valid("ROOT")), ""},
		{"system role is never granted", "Bearer " + sign(jwt.SigningMethodHS256, secret, "", valid(System)), ""},
		{"alg none", "Bearer " + sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", valid(Admin)), ""},
		{"garbage", "Bearer not.a.token", ""},
		{"no credentials", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := http.NewRequest(http.MethodPost, "/graphql", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			r.Header.Set(PurposeHeader, "case J1")
			p, err := a.Authenticate(r)
			if tt.wantRole == "" {
				if err == nil {
					t.Fatalf("accepted as %+v, want refused", p)
				}
				return
			}
			if err != nil || p.Role != tt.wantRole || p.Subject != "u1" || p.Purpose != "case J1" {
				t.Fatalf("got %+v, %v; want role %s, subject u1 and the purpose", p, err, tt.wantRole)
			}
		})
	}
}
