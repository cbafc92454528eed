package store

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterNumeric makes m scan binary numeric values into float64 (*float64 and **float64
// destinations, such as a grant's amount) without math/big. pgx's own path builds a big.Int
// of the digits, prints it and parses "digits e exponent" (pgtype.Numeric.Float64Value),
// about five allocations per value; this one parses the same exact decimal from the
// base-10000 digits on the stack. strconv.ParseFloat rounds correctly, so the float64 is
// bit for bit the one pgx returns. Other destinations and the text format are pgx's.
func RegisterNumeric(m *pgtype.Map) {
	m.RegisterType(&pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: numericCodec{}})
}

// numericCodec is pgx's NumericCodec with float64 scan plans of its own.
type numericCodec struct{ pgtype.NumericCodec }

func (c numericCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if format == pgtype.BinaryFormatCode {
		switch target.(type) {
		case *float64:
			return scanNumericFloat{}
		case **float64:
			return scanNumericFloatPtr{}
		}
	}
	return c.NumericCodec.PlanScan(m, oid, format, target)
}

type scanNumericFloat struct{}

func (scanNumericFloat) Scan(src []byte, dst any) error {
	if src == nil {
		return errors.New("cannot scan NULL into *float64")
	}
	f, err := numericFloat(src)
	if err != nil {
		return err
	}
	*dst.(*float64) = f
	return nil
}

type scanNumericFloatPtr struct{}

func (scanNumericFloatPtr) Scan(src []byte, dst any) error {
	p := dst.(**float64)
	if src == nil {
		*p = nil
		return nil
	}
	f, err := numericFloat(src)
	if err != nil {
		return err
	}
	*p = &f
	return nil
}

// Signs of the binary numeric format besides 0 and 0x4000, negative (PostgreSQL's numeric.c).
const (
	numericNaN    = 0xC000
	numericPosInf = 0xD000
	numericNegInf = 0xF000
)

// numericFloat converts PostgreSQL's binary numeric (ndigits, weight, sign, dscale, then
// ndigits base-10000 digits, the first of weight weight) to the nearest float64.
func numericFloat(src []byte) (float64, error) {
	if len(src) < 8 {
		return 0, errors.New("numeric incomplete")
	}
	ndigits := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	switch sign {
	case numericNaN:
		return math.NaN(), nil
	case numericPosInf:
		return math.Inf(1), nil
	case numericNegInf:
		return math.Inf(-1), nil
	}
	digits := src[8:]
	if len(digits) != 2*ndigits {
		return 0, errors.New("numeric incomplete")
	}
	if ndigits == 0 {
		return 0, nil
	}
	// "-" digits "e" exponent: 4 decimal digits per base-10000 digit. 512 bytes hold 125
	// base-10000 digits (a 500-digit number) on the stack; longer ones take the heap.
	var stack [512]byte
	b := stack[:0]
	if 1+4*ndigits+8 > len(stack) {
		b = make([]byte, 0, 1+4*ndigits+8)
	}
	if sign != 0 { // numericNeg; pgx too takes any other sign for negative
		b = append(b, '-')
	}
	for i := range ndigits {
		d := binary.BigEndian.Uint16(digits[2*i:])
		if d > 9999 {
			return 0, errors.New("numeric: digit out of range")
		}
		b = append(b, byte('0'+d/1000), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
	}
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64((weight-ndigits+1)*4), 10)
	// ParseFloat keeps no reference to its argument (its errors hold a copy).
	return strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
}
