package pii

import (
	"bytes"
	"testing"
)

func testKeys(t *testing.T) *Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize))
	if err != nil {
		t.Fatalf("NewKeys: %v", err)
	}
	return k
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"id number", MaskIDNumber, "110101199003071234", "110***********1234"},
		{"phone", MaskPhone, "13812345678", "138****5678"},
		{"two-character name", MaskName, "张三", "张*"},
		{"three-character name", MaskName, "欧阳娜", "欧**"},
		{"one-character name", MaskName, "张", "*"},
		{"short phone", MaskPhone, "12345", "*****"},
		{"address", MaskAddress, "朝阳区和平街道1号楼", "朝阳区和平街****"},
		{"text", MaskText, "the parties agreed", "[redacted]"},
		{"empty text", MaskText, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	sealed := k.Encrypt("110101199003071234")
	if bytes.Contains(sealed, []byte("1234")) {
		t.Fatalf("ciphertext contains plaintext digits")
	}
	got, err := k.Decrypt(sealed)
	if err != nil || got != "110101199003071234" {
		t.Fatalf("Decrypt = %q, %v; want the original number", got, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Decrypt(sealed); err == nil {
		t.Fatalf("Decrypt of tampered ciphertext succeeded, want an error")
	}
}

func TestHMACNormalises(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	if !bytes.Equal(k.IDNumberHMAC("11010119900307123x"), k.IDNumberHMAC(" 11010119900307123X ")) {
		t.Fatalf("HMAC differs for the same number in different case and spacing, want equal")
	}
	if bytes.Equal(k.IDNumberHMAC("110101199003071234"), k.IDNumberHMAC("110101199003071235")) {
		t.Fatalf("HMAC equal for different numbers, want different")
	}
}

func TestParseHexKeysRejectsBadKeys(t *testing.T) {
	t.Parallel()
	for _, in := range [][2]string{{"zz", GenerateHexKey()}, {GenerateHexKey(), "abcd"}, {"", ""}} {
		if _, err := ParseHexKeys(in[0], in[1]); err == nil {
			t.Errorf("ParseHexKeys(%q, %q) succeeded, want ErrBadKey", in[0], in[1])
		}
	}
}
