# wasm32-wasi with clang: a real wasi-sdk when WASI_SDK_PATH is set, otherwise
# Debian's clang-14 with the wasi-libc and libc++ wasm32 packages (sysroot /usr).
set(CMAKE_SYSTEM_NAME Generic)  # CMake has no WASI platform module; Generic is enough for a reactor
set(CMAKE_SYSTEM_PROCESSOR wasm32)
if(DEFINED ENV{WASI_SDK_PATH})
  set(CMAKE_CXX_COMPILER $ENV{WASI_SDK_PATH}/bin/clang++)
  set(CMAKE_SYSROOT $ENV{WASI_SDK_PATH}/share/wasi-sysroot)
else()
  set(CMAKE_CXX_COMPILER clang++-14)
  set(CMAKE_SYSROOT /usr)
endif()
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_CXX_FLAGS_RELEASE "-O3 -DNDEBUG")
