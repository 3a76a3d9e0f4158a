/*
 * Test tooling only: never shipped, never linked into the plug-in.
 *
 * Why this exists: Rust's standard library for Windows (since Rust 1.78) takes its random
 * numbers (HashMap seeds) from `ProcessPrng` in bcryptprimitives.dll, which every Windows 10 and
 * 11 machine has. Wine 8 (Debian 12's `wine64`) has no bcryptprimitives.dll, so every
 * Rust program, our test binaries and the plug-in DLL included, fails to load under it. This
 * stand-in exports the one function with its documented contract (fills the buffer, always
 * returns TRUE) on top of `RtlGenRandom` (advapi32's SystemFunction036), which Wine has.
 * scripts/wine-run.sh builds it with MinGW-w64 and puts it into the test Wine prefix.
 *
 * Contract: https://learn.microsoft.com/windows/win32/seccng/processprng
 */
#include <windows.h>

/* RtlGenRandom: exported by advapi32 under this name. */
BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000u ? 0x40000000u : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            /* ProcessPrng has no failure path; a process that cannot get randomness stops. */
            ExitProcess(0xC0000001u);
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
