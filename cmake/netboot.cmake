# `netboot`: a TFTP tree that boots the pc board's image over the network (included from
# cmake/image.cmake), in build/boards/pc/netboot/:
#
#   boot/grub/i386-pc/core.0        GRUB for BIOS PXE (grub-mknetdir, grub-pc-bin)
#   boot/grub/x86_64-efi/core.efi   GRUB for UEFI network boot (grub-mknetdir, grub-efi-amd64-bin)
#   boot/grub/grub.cfg              cmake/netboot-grub.cfg: `multiboot /highmem.elf` from the server
#   highmem.elf                     the pc board's image
#
# A lab serves the tree's contents from its TFTP root and points DHCP's boot file at core.0 (BIOS
# clients) or core.efi (UEFI, client architecture 7); the README's HIL section has a dnsmasq
# example. The board-like HIL target boots it under SeaBIOS and OVMF through QEMU's -netdev
# user,tftp=...,bootfile=... and the NIC's iPXE ROM (tests/hil/boardlike.py --boot net-bios/net-efi).
find_program(HIGHMEM_GRUB_MKNETDIR grub-mknetdir)
set(HIGHMEM_GRUB_EFI64_DIR /usr/lib/grub/x86_64-efi CACHE PATH "GRUB's x86_64-efi modules (grub-efi-amd64-bin)")
set(HIGHMEM_NETBOOT_DIR ${HIGHMEM_PC_DIR}/netboot)

if(HIGHMEM_GRUB_MKNETDIR)
  set(_netboot_cmds)
  set(_netboot_out ${HIGHMEM_NETBOOT_DIR}/boot/grub/i386-pc/core.0)
  list(APPEND _netboot_cmds COMMAND ${HIGHMEM_GRUB_MKNETDIR} --net-directory=${HIGHMEM_NETBOOT_DIR}
       --subdir=boot/grub -d ${HIGHMEM_GRUB_PC_DIR} --fonts= --locales= --themes=)
  if(EXISTS ${HIGHMEM_GRUB_EFI64_DIR}/moddep.lst)
    list(APPEND _netboot_out ${HIGHMEM_NETBOOT_DIR}/boot/grub/x86_64-efi/core.efi)
    list(APPEND _netboot_cmds COMMAND ${HIGHMEM_GRUB_MKNETDIR} --net-directory=${HIGHMEM_NETBOOT_DIR}
         --subdir=boot/grub -d ${HIGHMEM_GRUB_EFI64_DIR} --fonts= --locales= --themes=)
  else()
    message(STATUS "netboot: no ${HIGHMEM_GRUB_EFI64_DIR} (grub-efi-amd64-bin): the tree is BIOS PXE only")
  endif()
  add_custom_command(OUTPUT ${_netboot_out} ${HIGHMEM_NETBOOT_DIR}/highmem.elf
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${HIGHMEM_NETBOOT_DIR}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${HIGHMEM_NETBOOT_DIR}/boot/grub
    ${_netboot_cmds}
    COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/cmake/netboot-grub.cfg
            ${HIGHMEM_NETBOOT_DIR}/boot/grub/grub.cfg
    COMMAND ${CMAKE_COMMAND} -E copy ${HIGHMEM_PC_ELF} ${HIGHMEM_NETBOOT_DIR}/highmem.elf
    DEPENDS ${HIGHMEM_PC_ELF} ${PROJECT_SOURCE_DIR}/cmake/netboot-grub.cfg
    COMMENT "netboot TFTP tree ${HIGHMEM_NETBOOT_DIR} (GRUB for BIOS PXE and UEFI, highmem.elf)"
    VERBATIM)
  add_custom_target(netboot ALL DEPENDS ${_netboot_out})
  add_dependencies(netboot image-pc)
else()
  message(WARNING "netboot: grub-mknetdir not found (apt-get install grub-common grub-pc-bin)")
endif()
