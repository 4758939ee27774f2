# Toolchain file for 64-bit Windows binaries built on Debian with mingw-w64
# (g++-mingw-w64-x86-64). Used by tsp-shim/ (the TSP DLL and its test host), which the normal
# build drives as an ExternalProject; usable by hand too:
#   cmake -S tsp-shim/cross -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(TELSIM_MINGW_PREFIX x86_64-w64-mingw32)

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
