# Bootable images of highmem.elf for real boards (host build; included from cmake/image.cmake).
#
#   iso          build/highmem.iso: a hybrid BIOS GRUB image made by grub-mkrescue.
#                It boots from a CD or, written to a USB stick (cmake/flash.sh),
#                from the stick; GRUB talks on COM1 at 115200 and loads highmem.elf
#                with `multiboot`.  The grub.cfg is board/<board>/grub.cfg when the
#                board has one, else board/pc/grub.cfg.  Part of `all`, because the
#                HIL suite boots it (tests/hil/test_iso.py).
#   galileo-sd   build/galileo-sd.img: an MBR disk image with one FAT partition that
#                holds a 32-bit UEFI GRUB (EFI/BOOT/BOOTIA32.EFI, grub-mkstandalone
#                -O i386-efi) and highmem.elf, for the Intel Galileo's microSD slot
#                (board/galileo/README.md).  Only when grub-efi-ia32-bin is installed;
#                not part of `all`.
find_program(HIGHMEM_GRUB_MKRESCUE grub-mkrescue)
find_program(HIGHMEM_XORRISO xorriso)
set(HIGHMEM_GRUB_PC_DIR /usr/lib/grub/i386-pc CACHE PATH "GRUB's i386-pc modules (grub-pc-bin)")
set(HIGHMEM_GRUB_EFI32_DIR /usr/lib/grub/i386-efi CACHE PATH "GRUB's i386-efi modules (grub-efi-ia32-bin)")

set(HIGHMEM_ISO ${CMAKE_BINARY_DIR}/highmem.iso)
if(EXISTS ${PROJECT_SOURCE_DIR}/board/${HIGHMEM_BOARD}/grub.cfg)
  set(HIGHMEM_GRUB_CFG ${PROJECT_SOURCE_DIR}/board/${HIGHMEM_BOARD}/grub.cfg)
else()
  set(HIGHMEM_GRUB_CFG ${PROJECT_SOURCE_DIR}/board/pc/grub.cfg)
endif()

# highmem_grub_iso(OUT ELF CFG ROOT): the custom command that makes the GRUB image OUT holding ELF as
# /boot/highmem.elf and CFG as /boot/grub/grub.cfg, staged in ROOT (used for every board's media).
function(highmem_grub_iso out elf cfg root)
  # -d: only the BIOS platform, so the image is the same whatever other GRUB
  # platforms are installed; --fonts/--locales/--themes empty keep it small.
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${root}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${root}/boot/grub
    COMMAND ${CMAKE_COMMAND} -E copy ${elf} ${root}/boot/highmem.elf
    COMMAND ${CMAKE_COMMAND} -E copy ${cfg} ${root}/boot/grub/grub.cfg
    COMMAND ${HIGHMEM_GRUB_MKRESCUE} -d ${HIGHMEM_GRUB_PC_DIR} --fonts= --locales= --themes=
            -o ${out} ${root} 2> ${out}.log
    DEPENDS ${elf} ${cfg}
    COMMENT "GRUB image ${out} (BIOS, hybrid: CD or USB stick)"
    VERBATIM)
endfunction()

if(HIGHMEM_GRUB_MKRESCUE AND HIGHMEM_XORRISO AND EXISTS ${HIGHMEM_GRUB_PC_DIR}/moddep.lst)
  set(HIGHMEM_HAVE_GRUB_ISO ON)
  highmem_grub_iso(${HIGHMEM_ISO} ${HIGHMEM_IMAGE_ELF} ${HIGHMEM_GRUB_CFG} ${CMAKE_BINARY_DIR}/iso-root)
  add_custom_target(iso ALL DEPENDS ${HIGHMEM_ISO})
  add_dependencies(iso image)
else()
  set(HIGHMEM_HAVE_GRUB_ISO OFF)
  add_custom_target(iso ALL
    COMMAND ${CMAKE_COMMAND} -E echo "iso: needs grub-mkrescue, xorriso and ${HIGHMEM_GRUB_PC_DIR} (apt-get install grub-common grub-pc-bin xorriso mtools)"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
  message(WARNING "iso target: grub-mkrescue, xorriso or grub-pc-bin missing; `cmake --build` will fail at the iso step (run cmake/setup.sh)")
endif()

# The Galileo's microSD route: UEFI -> 32-bit GRUB -> multiboot highmem.elf.
if(EXISTS ${HIGHMEM_GRUB_EFI32_DIR}/moddep.lst)
  set(HIGHMEM_GALILEO_SD ${CMAKE_BINARY_DIR}/galileo-sd.img)
  add_custom_command(OUTPUT ${HIGHMEM_GALILEO_SD}
    COMMAND ${PROJECT_SOURCE_DIR}/board/galileo/mksd.sh ${HIGHMEM_IMAGE_ELF}
            ${PROJECT_SOURCE_DIR}/board/galileo/grub.cfg ${HIGHMEM_GRUB_EFI32_DIR}
            ${CMAKE_BINARY_DIR}/galileo-sd ${HIGHMEM_GALILEO_SD}
    DEPENDS ${HIGHMEM_IMAGE_ELF} ${PROJECT_SOURCE_DIR}/board/galileo/grub.cfg
            ${PROJECT_SOURCE_DIR}/board/galileo/mksd.sh
    COMMENT "Galileo microSD image ${HIGHMEM_GALILEO_SD} (32-bit UEFI GRUB + highmem.elf)"
    VERBATIM)
  add_custom_target(galileo-sd DEPENDS ${HIGHMEM_GALILEO_SD})
  add_dependencies(galileo-sd image)
endif()

# `load`: the Galileo over JTAG (OpenOCD): halt, load_image highmem.elf, Multiboot registers, resume.
set(HIGHMEM_OPENOCD_INTERFACE ${PROJECT_SOURCE_DIR}/board/galileo/openocd/olimex-arm-usb-ocd-h.cfg
  CACHE FILEPATH "OpenOCD interface file for the `load` target (the JTAG adapter)")
add_custom_target(load
  COMMAND ${CMAKE_COMMAND} -E env HIGHMEM_OPENOCD_INTERFACE=${HIGHMEM_OPENOCD_INTERFACE}
          ${PROJECT_SOURCE_DIR}/cmake/galileo-load.sh ${HIGHMEM_IMAGE_ELF}
  DEPENDS image
  USES_TERMINAL
  VERBATIM
  COMMENT "Loading highmem.elf into the Galileo over JTAG (cmake/galileo-load.sh)")
