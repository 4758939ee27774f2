# Toolchain file for 32-bit (i686) Windows binaries built on Debian with mingw-w64
# (g++-mingw-w64-i686-win32). Used by tsp-shim/ for the 32-bit tapi32.dll, telsim.tsp and test
# programs (most TAPI programs in service are 32-bit); the normal build drives it as a second
# ExternalProject when the compiler is installed. Usable by hand too:
#   cmake -S tsp-shim/cross -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-i686.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(TELSIM_MINGW_PREFIX i686-w64-mingw32)

# The win32 thread model on purpose (not -posix): the DLL then imports only system DLLs, with no
# winpthreads emulation inside the telephony service; the code uses Win32 threads and locks.
find_program(CMAKE_CXX_COMPILER NAMES ${TELSIM_MINGW_PREFIX}-g++-win32 ${TELSIM_MINGW_PREFIX}-g++ REQUIRED)
find_program(CMAKE_C_COMPILER NAMES ${TELSIM_MINGW_PREFIX}-gcc-win32 ${TELSIM_MINGW_PREFIX}-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${TELSIM_MINGW_PREFIX}-windres REQUIRED)

set(CMAKE_FIND_ROOT_PATH /usr/${TELSIM_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
