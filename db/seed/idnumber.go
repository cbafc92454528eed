package seed

import (
	"fmt"
	"strings"
	"time"

	"civiclink/internal/pii"
)

// idNumber builds an 18-character resident identity number per GB 11643-1999: a 6-digit
// region code, the birth date YYYYMMDD, a 3-digit sequence whose parity encodes the gender
// (odd for men, even for women) and the ISO 7064 MOD 11-2 check character.
func idNumber(region string, birth time.Time, seq int, male bool) string {
	if male != (seq%2 == 1) {
		seq = (seq + 1) % 1000
	}
	body := fmt.Sprintf("%s%04d%02d%02d%03d", region, birth.Year(), birth.Month(), birth.Day(), seq)
	return body + string(pii.IDCheckChar(body))
}

// creditAlphabet is the character set of unified social credit codes (GB 32100-2015).
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCode builds an 18-character unified social credit code per GB 32100-2015 for an
// enterprise ("91") registered in region, around an 8-digit organisation code body whose own
// check character follows GB 11714-1997.
func creditCode(region, orgBody string) string {
	org := orgBody + string(orgCheckChar(orgBody))
	body := "91" + region + org
	return body + string(creditCheckChar(body))
}

// orgCheckChar returns the GB 11714 check character of an 8-character organisation code body.
func orgCheckChar(body string) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 8 {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// creditCheckChar returns the GB 32100 check character of the first 17 characters.
func creditCheckChar(body string) byte {
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(creditAlphabet, body[i]) * weights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditAlphabet[c]
}
