package pii

// IDCheckChar returns the ISO 7064 MOD 11-2 check character of the first 17 digits of a
// resident identity number (GB 11643-1999).
func IDCheckChar(body string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// ValidIDNumber reports whether idNumber, normalised, is an 18-character resident identity
// number: 17 digits and the right check character.
func ValidIDNumber(idNumber string) bool {
	n := NormaliseIDNumber(idNumber)
	if len(n) != 18 {
		return false
	}
	for i := range 17 {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return n[17] == IDCheckChar(n[:17])
}
