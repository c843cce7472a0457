/*
 * The \_S5 package in a DSDT's AML: Name (_S5_, Package () { SLP_TYPa,
 * SLP_TYPb, ... }).  Only the encoding a firmware's ASL compiler emits for
 * a named package of integers is decoded (ACPI Specification 6.4, §20.2:
 * NameOp 0x08, an optional root prefix '\', the NameSeg, PackageOp 0x12,
 * PkgLength, NumElements, then ZeroOp, OneOp or a Byte/Word/DWord prefix
 * and its constant); anything else around a "_S5_" is not taken for it.
 */
#include <string.h>

#include <acpi.h>

/* Decode one integer element at aml[*pos]; false if it is not a constant or runs past end. */
static bool aml_integer(const uint8_t *aml, uint32_t end, uint32_t *pos, uint32_t *val)
{
	uint32_t p = *pos;

	if (p >= end)
		return false;
	switch (aml[p]) {
	case 0x00: /* ZeroOp */
	case 0x01: /* OneOp */
		*val = aml[p];
		*pos = p + 1;
		return true;
	case 0x0A: /* BytePrefix */
		if (p + 2 > end)
			return false;
		*val = aml[p + 1];
		*pos = p + 2;
		return true;
	case 0x0B: /* WordPrefix */
		if (p + 3 > end)
			return false;
		*val = (uint32_t)(aml[p + 1] | aml[p + 2] << 8);
		*pos = p + 3;
		return true;
	case 0x0C: /* DWordPrefix */
		if (p + 5 > end)
			return false;
		*val = (uint32_t)aml[p + 1] | (uint32_t)aml[p + 2] << 8 |
		       (uint32_t)aml[p + 3] << 16 | (uint32_t)aml[p + 4] << 24;
		*pos = p + 5;
		return true;
	default:
		return false;
	}
}

/* Decode the package after the name at aml[i] (the '_' of "_S5_"). */
static bool decode_at(const uint8_t *aml, uint32_t len, uint32_t i, uint8_t *a, uint8_t *b)
{
	uint32_t p = i + 4, pkglen, end, nbytes, va, vb;
	uint8_t count;

	if (p + 3 > len || aml[p] != 0x12)
		return false;
	p++;
	nbytes = aml[p] >> 6;
	if (p + 1 + nbytes > len)
		return false;
	pkglen = nbytes ? aml[p] & 0x0F : aml[p] & 0x3F;
	for (uint32_t k = 0; k < nbytes; k++)
		pkglen |= (uint32_t)aml[p + 1 + k] << (4 + 8 * k);
	end = p + pkglen; /* PkgLength counts itself */
	if (pkglen < 1 + nbytes + 1 || end > len)
		return false;
	p += 1 + nbytes;
	count = aml[p++];
	if (count < 1 || !aml_integer(aml, end, &p, &va) || va > 7)
		return false;
	vb = va;
	if (count >= 2 && (!aml_integer(aml, end, &p, &vb) || vb > 7))
		return false;
	*a = (uint8_t)va;
	*b = (uint8_t)vb;
	return true;
}

bool acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	for (uint32_t i = 1; i + 4 <= len; i++) {
		bool named;

		if (memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		named = aml[i - 1] == 0x08 || (aml[i - 1] == '\\' && i >= 2 && aml[i - 2] == 0x08);
		if (named && decode_at(aml, len, i, slp_typa, slp_typb))
			return true;
	}
	return false;
}
