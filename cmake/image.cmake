# The firmware image as an ExternalProject of the host build: this same
# source tree configured again with the i686 toolchain file.  Also the
# `run` and `debug` targets that boot it in QEMU.
include(ExternalProject)

set(HIGHMEM_IMAGE_DIR ${CMAKE_BINARY_DIR}/image)
set(HIGHMEM_IMAGE_ELF ${HIGHMEM_IMAGE_DIR}/highmem.elf)

ExternalProject_Add(image
  SOURCE_DIR ${PROJECT_SOURCE_DIR}
  BINARY_DIR ${HIGHMEM_IMAGE_DIR}
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchain-i686-elf.cmake
    -DHIGHMEM_IMAGE=ON
    -DHIGHMEM_BOARD=${HIGHMEM_BOARD}
    -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  USES_TERMINAL_BUILD ON
  BUILD_BYPRODUCTS ${HIGHMEM_IMAGE_ELF}
)

include(${PROJECT_SOURCE_DIR}/board/${HIGHMEM_BOARD}/board.cmake)

find_program(QEMU_SYSTEM_I386 qemu-system-i386)
find_program(GDB_PROGRAM gdb)

# `run`: boot the image with the serial console on this terminal.
# HIGHMEM_MEM (default 1G) and HIGHMEM_CPU (default qemu32) pick the machine; Ctrl-A X quits QEMU.
add_custom_target(run
  COMMAND sh -c "exec \"$0\" ${BOARD_QEMU_FLAGS} -m \"\${HIGHMEM_MEM:-1G}\" -cpu \"\${HIGHMEM_CPU:-qemu32}\" -kernel \"$1\" -append \"${HIGHMEM_APPEND:-}\" -serial mon:stdio"
          ${QEMU_SYSTEM_I386} ${HIGHMEM_IMAGE_ELF}
  DEPENDS image
  USES_TERMINAL
  COMMENT "Booting highmem.elf in QEMU (Ctrl-A X quits)")

# `debug`: QEMU halted at the first instruction with its gdb stub on :1234, and gdb attached with symbols.
add_custom_target(debug
  COMMAND sh -c "\"$0\" ${BOARD_QEMU_FLAGS} -m \"\${HIGHMEM_MEM:-1G}\" -cpu \"\${HIGHMEM_CPU:-qemu32}\" -kernel \"$1\" -append \"${HIGHMEM_APPEND:-}\" -serial file:\"$3\" -S -gdb tcp::1234 & exec \"$2\" -q \"$1\" -ex 'target remote :1234' -x \"$4\""
          ${QEMU_SYSTEM_I386} ${HIGHMEM_IMAGE_ELF} ${GDB_PROGRAM} ${CMAKE_BINARY_DIR}/serial.log
          ${PROJECT_SOURCE_DIR}/cmake/gdbinit
  DEPENDS image
  USES_TERMINAL
  COMMENT "QEMU waits on :1234; the serial console goes to ${CMAKE_BINARY_DIR}/serial.log")
