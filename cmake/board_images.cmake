# One image per board (host build; included from cmake/image.cmake after the default image):
# build/boards/<board>/highmem.elf and user/ for every board in HIGHMEM_BOARDS, then the
# board's bootable media (cmake/iso.cmake).  The HIGHMEM_BOARD board is the default image
# (build/image/highmem.elf), copied; every other board is this tree configured again with
# -DHIGHMEM_BOARD=<board> in build/boards/<board>/image, reusing the default image's newlib.
set(HIGHMEM_BOARDS_DIR ${CMAKE_BINARY_DIR}/boards)

foreach(_board IN LISTS HIGHMEM_BOARDS)
  set(_dir ${HIGHMEM_BOARDS_DIR}/${_board})
  if(_board STREQUAL HIGHMEM_BOARD)
    add_custom_target(image-${_board} ALL
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_dir}/user
      COMMAND ${CMAKE_COMMAND} -E copy_if_different ${HIGHMEM_IMAGE_ELF} ${_dir}/highmem.elf
      COMMAND ${CMAKE_COMMAND} -E copy_directory ${HIGHMEM_IMAGE_DIR}/user ${_dir}/user
      BYPRODUCTS ${_dir}/highmem.elf
      COMMENT "Board ${_board}: the default image, copied to ${_dir}"
      VERBATIM)
    add_dependencies(image-${_board} image)
  else()
    ExternalProject_Add(image-${_board}
      SOURCE_DIR ${PROJECT_SOURCE_DIR}
      BINARY_DIR ${_dir}/image
      CMAKE_ARGS
        -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchain-i686-elf.cmake
        -DHIGHMEM_IMAGE=ON
        -DHIGHMEM_NEWLIB_PREFIX=${_image_newlib_prefix}
        -DHIGHMEM_BOARD=${_board}
        -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
      BUILD_ALWAYS ON
      INSTALL_COMMAND ""
      DEPENDS image
      USES_TERMINAL_BUILD ON)
    # A step of its own, so that the default build step keeps the sub-make in the jobserver.
    ExternalProject_Add_Step(image-${_board} copy
      COMMAND ${CMAKE_COMMAND} -E copy_if_different <BINARY_DIR>/highmem.elf ${_dir}/highmem.elf
      COMMAND ${CMAKE_COMMAND} -E copy_directory <BINARY_DIR>/user ${_dir}/user
      DEPENDEES build
      DEPENDERS install
      BYPRODUCTS ${_dir}/highmem.elf
      ALWAYS ON)
  endif()
  highmem_board_media(${_board} ${_dir}/highmem.elf ${_dir}/user ${_dir} image-${_board})
endforeach()

# `iso`: build/highmem.iso, the HIGHMEM_BOARD board's media, where tests/hil/test_iso.py looks.
add_custom_command(OUTPUT ${HIGHMEM_ISO}
  COMMAND ${CMAKE_COMMAND} -E copy ${HIGHMEM_BOARDS_DIR}/${HIGHMEM_BOARD}/highmem.iso ${HIGHMEM_ISO}
  DEPENDS ${HIGHMEM_BOARDS_DIR}/${HIGHMEM_BOARD}/highmem.iso media-${HIGHMEM_BOARD}
  COMMENT "build/highmem.iso: board ${HIGHMEM_BOARD}"
  VERBATIM)
add_custom_target(iso ALL DEPENDS ${HIGHMEM_ISO})
add_dependencies(iso media-${HIGHMEM_BOARD})
