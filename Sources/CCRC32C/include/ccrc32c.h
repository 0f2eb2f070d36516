// CRC-32C (Castagnoli) with the CPU's crc32 instruction, for ContactStore's checksums.
#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the crc32 instruction this file uses (x86-64 SSE 4.2), else 0 (other
/// architectures: the caller's tables).
int ccrc32c_hardware_available(void);

/// Continues the CRC-32C `crc` (already inverted: the running state) over `count` bytes at
/// `bytes`; only call when ccrc32c_hardware_available() returned 1.
uint32_t ccrc32c_hardware_update(uint32_t state, const void *bytes, size_t count);

#endif
