# Bootable media for real boards (host build; included from cmake/image.cmake).
#
# Every board under board/ gets, in build/boards/<board>/ (cmake/board_images.cmake builds
# the image):
#   highmem.elf, user/   the board's image and the user programs (Multiboot modules)
#   highmem.iso          the disk image to flash: one hybrid image made by grub-mkrescue with
#                        GRUB for i386-pc (BIOS), x86_64-efi and i386-efi (UEFI, in an EFI
#                        system partition the image's GPT and MBR both point at).  It boots
#                        from a CD, and written to a USB stick, SD card or disk
#                        (cmake/flash.sh) from that, under legacy BIOS and under 32- and
#                        64-bit UEFI.  GRUB talks on COM1 at 115200 and loads highmem.elf with
#                        `multiboot2` (first menu entry) or `multiboot`, and the user programs
#                        as modules.  The grub.cfg is board/<board>/grub.cfg when the board
#                        has one, else board/pc/grub.cfg.
#   galileo-sd.img       (galileo) an MBR disk image with one FAT partition that holds a
#                        32-bit UEFI GRUB (EFI/BOOT/BOOTIA32.EFI, grub-mkstandalone -O i386-efi),
#                        highmem.elf and the user programs, for the Intel Galileo's microSD
#                        slot (board/galileo/README.md).
# `iso` builds build/highmem.iso, the HIGHMEM_BOARD board's image (tests/hil/test_iso.py).
find_program(HIGHMEM_GRUB_MKRESCUE grub-mkrescue)
find_program(HIGHMEM_GRUB_MKSTANDALONE grub-mkstandalone)
find_program(HIGHMEM_XORRISO xorriso)
find_program(HIGHMEM_MKFS_VFAT mkfs.vfat PATHS /usr/sbin /sbin)
set(HIGHMEM_GRUB_PC_DIR /usr/lib/grub/i386-pc CACHE PATH "GRUB's i386-pc modules (grub-pc-bin)")
set(HIGHMEM_GRUB_EFI32_DIR /usr/lib/grub/i386-efi CACHE PATH "GRUB's i386-efi modules (grub-efi-ia32-bin)")
set(HIGHMEM_GRUB_EFI64_DIR /usr/lib/grub/x86_64-efi CACHE PATH "GRUB's x86_64-efi modules (grub-efi-amd64-bin)")

set(HIGHMEM_ISO ${CMAKE_BINARY_DIR}/highmem.iso)
set(_media_missing)
foreach(_need HIGHMEM_GRUB_MKRESCUE HIGHMEM_XORRISO)
  if(NOT ${_need})
    list(APPEND _media_missing ${_need})
  endif()
endforeach()
foreach(_dir ${HIGHMEM_GRUB_PC_DIR} ${HIGHMEM_GRUB_EFI64_DIR} ${HIGHMEM_GRUB_EFI32_DIR})
  if(NOT EXISTS ${_dir}/moddep.lst)
    list(APPEND _media_missing ${_dir})
  endif()
endforeach()
if(_media_missing)
  message(WARNING "bootable media: missing ${_media_missing}; `cmake --build` will fail at the media step "
    "(run cmake/setup.sh: grub-common grub-pc-bin grub-efi-amd64-bin grub-efi-ia32-bin xorriso mtools)")
endif()

# highmem_board_media(BOARD ELF USER_DIR OUT_DIR DEPENDS_TARGET): OUT_DIR/highmem.iso (and the
# board's own media) from the image ELF and the user programs in USER_DIR, after DEPENDS_TARGET.
function(highmem_board_media board elf user_dir out_dir dep)
  set(iso ${out_dir}/highmem.iso)
  if(EXISTS ${PROJECT_SOURCE_DIR}/board/${board}/grub.cfg)
    set(cfg ${PROJECT_SOURCE_DIR}/board/${board}/grub.cfg)
  else()
    set(cfg ${PROJECT_SOURCE_DIR}/board/pc/grub.cfg)
  endif()
  if(_media_missing)
    add_custom_target(media-${board} ALL
      COMMAND ${CMAKE_COMMAND} -E echo "media-${board}: needs ${_media_missing} (run cmake/setup.sh)"
      COMMAND ${CMAKE_COMMAND} -E false
      VERBATIM)
    return()
  endif()
  set(root ${out_dir}/iso-root)
  # No -d: grub-mkrescue takes every GRUB platform installed under /usr/lib/grub (i386-pc,
  # i386-efi and x86_64-efi are required above); --fonts/--locales/--themes empty keep it small.
  add_custom_command(OUTPUT ${iso}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${root}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${root}/boot/grub
    COMMAND ${CMAKE_COMMAND} -E copy ${elf} ${root}/boot/highmem.elf
    COMMAND ${CMAKE_COMMAND} -E copy_directory ${user_dir} ${root}/boot/user
    COMMAND ${CMAKE_COMMAND} -E copy ${cfg} ${root}/boot/grub/grub.cfg
    COMMAND ${HIGHMEM_GRUB_MKRESCUE} --fonts= --locales= --themes= -o ${iso} ${root}
            2> ${out_dir}/grub-mkrescue.log
    DEPENDS ${elf} ${cfg} ${dep}
    COMMENT "Boot media ${iso} (board ${board}: GRUB i386-pc, x86_64-efi and i386-efi; CD or disk)"
    VERBATIM)
  add_custom_target(media-${board} ALL DEPENDS ${iso})
  add_dependencies(media-${board} ${dep})
  if(board STREQUAL "galileo" AND HIGHMEM_GRUB_MKSTANDALONE AND HIGHMEM_MKFS_VFAT)
    # The Galileo's microSD route: UEFI -> 32-bit GRUB -> multiboot2 highmem.elf.
    set(sd ${out_dir}/galileo-sd.img)
    add_custom_command(OUTPUT ${sd}
      COMMAND ${PROJECT_SOURCE_DIR}/board/galileo/mksd.sh ${elf} ${cfg} ${HIGHMEM_GRUB_EFI32_DIR}
              ${out_dir}/galileo-sd ${sd} ${user_dir}
      DEPENDS ${elf} ${cfg} ${PROJECT_SOURCE_DIR}/board/galileo/mksd.sh ${dep}
      COMMENT "Galileo microSD image ${sd} (32-bit UEFI GRUB + highmem.elf)"
      VERBATIM)
    add_custom_target(galileo-sd ALL DEPENDS ${sd})
    add_dependencies(galileo-sd ${dep})
  endif()
endfunction()

# `load`: the Galileo over JTAG (OpenOCD): halt, load_image highmem.elf, Multiboot registers,
# resume.
set(HIGHMEM_OPENOCD_INTERFACE ${PROJECT_SOURCE_DIR}/board/galileo/openocd/olimex-arm-usb-ocd-h.cfg
  CACHE FILEPATH "OpenOCD interface file for the `load` target (the JTAG adapter)")
add_custom_target(load
  COMMAND ${CMAKE_COMMAND} -E env HIGHMEM_OPENOCD_INTERFACE=${HIGHMEM_OPENOCD_INTERFACE}
          ${PROJECT_SOURCE_DIR}/cmake/galileo-load.sh ${HIGHMEM_IMAGE_ELF}
  DEPENDS image
  USES_TERMINAL
  VERBATIM
  COMMENT "Loading highmem.elf into the Galileo over JTAG (cmake/galileo-load.sh)")
