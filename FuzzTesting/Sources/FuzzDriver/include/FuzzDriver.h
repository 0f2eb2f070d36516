#ifndef CONTACTD_FUZZ_DRIVER_H
#define CONTACTD_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver on `test` (LLVMFuzzerRunDriver). SwiftPM links an executable target
/// with `main` defined as `<Module>_main`, so each fuzz executable defines that symbol and
/// hands its arguments here, instead of relying on libFuzzer's own `main`.
int contactd_fuzz_main(int argc, char **argv, int (*test)(const uint8_t *data, size_t size));

#endif
