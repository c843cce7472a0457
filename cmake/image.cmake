# The firmware image as an ExternalProject of the host build: this same
# source tree configured again with the i686 toolchain file.  Also the
# `run` and `debug` targets that boot it in QEMU.
include(ExternalProject)

set(HIGHMEM_IMAGE_DIR ${CMAKE_BINARY_DIR}/image)
set(HIGHMEM_IMAGE_ELF ${HIGHMEM_IMAGE_DIR}/highmem.elf)

# HIGHMEM_NEWLIB_PREFIX on the host build: every image reuses a newlib another build tree
# installed (for example a second checkout's build/image/newlib) instead of building it again.
set(HIGHMEM_NEWLIB_PREFIX "" CACHE PATH "Install prefix of an already built newlib for the images (empty: build it)")
if(HIGHMEM_NEWLIB_PREFIX)
  set(_image_newlib_prefix ${HIGHMEM_NEWLIB_PREFIX})
  set(_image_newlib_arg -DHIGHMEM_NEWLIB_PREFIX=${HIGHMEM_NEWLIB_PREFIX})
else()
  set(_image_newlib_prefix ${HIGHMEM_IMAGE_DIR}/newlib)
  set(_image_newlib_arg)
endif()

ExternalProject_Add(image
  SOURCE_DIR ${PROJECT_SOURCE_DIR}
  BINARY_DIR ${HIGHMEM_IMAGE_DIR}
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchain-i686-elf.cmake
    -DHIGHMEM_IMAGE=ON
    ${_image_newlib_arg}
    -DHIGHMEM_BOARD=${HIGHMEM_BOARD}
    -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  USES_TERMINAL_BUILD ON
  BUILD_BYPRODUCTS ${HIGHMEM_IMAGE_ELF}
)

# The PAE image: the same tree with HIGHMEM_PAE=ON (3-level page tables, 64-bit entries, NX,
# RAM above 4 GiB), built in image-pae/ after the 2-level image so that it can reuse the
# newlib that image installed; the ELF is copied to image-pae/highmem-pae.elf.
set(HIGHMEM_PAE_IMAGE_DIR ${CMAKE_BINARY_DIR}/image-pae)
set(HIGHMEM_PAE_IMAGE_ELF ${HIGHMEM_PAE_IMAGE_DIR}/highmem-pae.elf)
ExternalProject_Add(image-pae
  SOURCE_DIR ${PROJECT_SOURCE_DIR}
  BINARY_DIR ${HIGHMEM_PAE_IMAGE_DIR}
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchain-i686-elf.cmake
    -DHIGHMEM_IMAGE=ON
    -DHIGHMEM_PAE=ON
    -DHIGHMEM_NEWLIB_PREFIX=${_image_newlib_prefix}
    -DHIGHMEM_BOARD=${HIGHMEM_BOARD}
    -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  DEPENDS image
  USES_TERMINAL_BUILD ON
)
# The copy is a step of its own: a BUILD_COMMAND of `cmake --build` would run the sub-make
# outside the make jobserver ("jobserver unavailable: using -j1"), the default build step does not.
ExternalProject_Add_Step(image-pae copy
  COMMAND ${CMAKE_COMMAND} -E copy_if_different <BINARY_DIR>/highmem.elf ${HIGHMEM_PAE_IMAGE_ELF}
  DEPENDEES build
  DEPENDERS install
  BYPRODUCTS ${HIGHMEM_PAE_IMAGE_ELF}
  ALWAYS ON)

include(${PROJECT_SOURCE_DIR}/board/${HIGHMEM_BOARD}/board.cmake)
include(${PROJECT_SOURCE_DIR}/cmake/iso.cmake)
include(${PROJECT_SOURCE_DIR}/cmake/board_images.cmake)

# `run`: boot the image with the serial console on this terminal (cmake/qemu-run.sh says how to pick
# the machine).
add_custom_target(run
  COMMAND ${PROJECT_SOURCE_DIR}/cmake/qemu-run.sh ${HIGHMEM_IMAGE_ELF} ${BOARD_QEMU_FLAGS}
  DEPENDS image
  USES_TERMINAL
  VERBATIM
  COMMENT "Booting highmem.elf in QEMU (Ctrl-A X quits)")

# `debug`: QEMU halted at the first instruction with its gdb stub on :1234 (HIGHMEM_GDB_PORT) in a
# session of its own, so Ctrl-C in gdb stops the guest and not QEMU; gdb attached with symbols; the
# serial console on a pty linked from build/serial.pty; the Multiboot modules of `run`.
add_custom_target(debug
  COMMAND ${PROJECT_SOURCE_DIR}/cmake/qemu-debug.sh ${HIGHMEM_IMAGE_ELF} ${PROJECT_SOURCE_DIR}/cmake/gdbinit
          ${CMAKE_BINARY_DIR}/serial.pty ${BOARD_QEMU_FLAGS}
  DEPENDS image
  USES_TERMINAL
  VERBATIM
  COMMENT "QEMU waits on :1234; the serial console: the pty ${CMAKE_BINARY_DIR}/serial.pty names")

# The `pc` board (a GRUB-booted PC or SBC: no isa-debug-exit) in build/boards/pc/, the image a
# board on the bench runs: highmem.elf, highmem.iso (GRUB, board/pc/grub.cfg) and highmem.img,
# the ISO as cmake/flash.sh writes it to a USB stick (a disk image). The board-like HIL target
# boots highmem.img through SeaBIOS and GRUB; cmake/netboot.cmake serves highmem.elf over TFTP.
# The pc board's flashable disk image (cmake/flash.sh writing its hybrid ISO onto a file, as a
# user writes a USB stick) and its network boot tree, for the board-like HIL bench.
set(HIGHMEM_PC_DIR ${HIGHMEM_BOARDS_DIR}/pc)
set(HIGHMEM_PC_ELF ${HIGHMEM_PC_DIR}/highmem.elf)
if(NOT _media_missing)
  add_custom_command(OUTPUT ${HIGHMEM_PC_DIR}/highmem.img
    COMMAND ${CMAKE_COMMAND} -E rm -f ${HIGHMEM_PC_DIR}/highmem.img
    COMMAND ${PROJECT_SOURCE_DIR}/cmake/flash.sh ${HIGHMEM_PC_DIR}/highmem.iso ${HIGHMEM_PC_DIR}/highmem.img --yes
            > ${HIGHMEM_PC_DIR}/flash.log
    DEPENDS ${HIGHMEM_PC_DIR}/highmem.iso ${PROJECT_SOURCE_DIR}/cmake/flash.sh
    COMMENT "pc board disk image ${HIGHMEM_PC_DIR}/highmem.img (flash.sh onto a file)"
    VERBATIM)
  add_custom_target(board-pc-media ALL DEPENDS ${HIGHMEM_PC_DIR}/highmem.img)
  add_dependencies(board-pc-media media-pc)
  include(${PROJECT_SOURCE_DIR}/cmake/netboot.cmake)
endif()
