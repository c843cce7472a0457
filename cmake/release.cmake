# The release: what `cmake --install` puts under its prefix, the tarball CPack makes of it, and
# the `release` target (host build; included last from the top-level CMakeLists.txt, so that its
# SHA256SUMS rule runs after every other install rule).
#
#   cmake --build build -j2 --target release     build/release/highmem-<version>.tar.gz
#   cmake --install build --prefix DIR            the same tree in DIR
#
# The tree mirrors the build and source trees, so the README's paths work in it:
#   README.md, CHANGELOG.md, SHA256SUMS (sha256sum -c SHA256SUMS checks every other file)
#   boards/<board>/highmem.elf, user/, highmem.iso   every board's image, user programs, media
#   boards/pc/highmem.img, boards/pc/netboot/        the pc board's flash image and TFTP tree
#   boards/galileo/galileo-sd.img                    the Galileo's microSD image
#   boards/<HIGHMEM_BOARD>/highmem-pae.elf           the PAE image
#   cmake/gdbinit, cmake/gdb/                        the gdb helpers
#   cmake/flash.sh                                   writes a medium to a stick or card
#   tests/hil/                                       the HIL suite, its targets and inventory
#                                                    examples (tests/hil/README.md)
include(${PROJECT_SOURCE_DIR}/cmake/version.cmake)
highmem_version(${PROJECT_SOURCE_DIR} ${PROJECT_VERSION}
  HIGHMEM_RELEASE_VERSION HIGHMEM_RELEASE_GIT)
message(STATUS "highmem version ${HIGHMEM_RELEASE_VERSION} (git ${HIGHMEM_RELEASE_GIT})")

# Not /usr/local: the tree is firmware and its tools, not a host installation.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX ${CMAKE_BINARY_DIR}/install
    CACHE PATH "Where cmake --install puts the release tree" FORCE)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md DESTINATION .)

foreach(_board IN LISTS HIGHMEM_BOARDS)
  set(_dir ${HIGHMEM_BOARDS_DIR}/${_board})
  install(FILES ${_dir}/highmem.elf ${_dir}/highmem.iso DESTINATION boards/${_board})
  install(DIRECTORY ${_dir}/user/ DESTINATION boards/${_board}/user USE_SOURCE_PERMISSIONS)
endforeach()
install(FILES ${HIGHMEM_PAE_IMAGE_ELF} DESTINATION boards/${HIGHMEM_BOARD})
if(TARGET board-pc-media)
  install(FILES ${HIGHMEM_PC_DIR}/highmem.img DESTINATION boards/pc)
endif()
if(TARGET netboot)
  install(DIRECTORY ${HIGHMEM_NETBOOT_DIR}/ DESTINATION boards/pc/netboot)
endif()
if(TARGET galileo-sd)
  install(FILES ${HIGHMEM_BOARDS_DIR}/galileo/galileo-sd.img DESTINATION boards/galileo)
endif()

# The gdb helpers: everything cmake/gdb* names (gdbinit, the gdb/ folder of Python commands).
file(GLOB _gdb_helpers LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/cmake/gdb*)
foreach(_path IN LISTS _gdb_helpers)
  if(IS_DIRECTORY ${_path})
    install(DIRECTORY ${_path} DESTINATION cmake
      PATTERN __pycache__ EXCLUDE PATTERN *.pyc EXCLUDE)
  else()
    install(FILES ${_path} DESTINATION cmake)
  endif()
endforeach()
install(PROGRAMS ${PROJECT_SOURCE_DIR}/cmake/flash.sh DESTINATION cmake)

# The HIL suite as it is in the source tree, without its ctest registration and caches.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/tests/hil/ DESTINATION tests/hil USE_SOURCE_PERMISSIONS
  PATTERN CMakeLists.txt EXCLUDE PATTERN __pycache__ EXCLUDE PATTERN .pytest_cache EXCLUDE
  PATTERN *.pyc EXCLUDE)

# Last: SHA256SUMS over every file this install wrote (CMake's manifest of it), in
# `sha256sum -c` form with paths relative to the prefix.
install(CODE [[
  set(_root "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
  set(_sums "")
  set(_files ${CMAKE_INSTALL_MANIFEST_FILES})
  list(REMOVE_DUPLICATES _files)
  list(SORT _files)
  foreach(_file IN LISTS _files)
    # The manifest names files under the prefix; with DESTDIR they are below it.
    if(EXISTS "$ENV{DESTDIR}${_file}")
      set(_abs "$ENV{DESTDIR}${_file}")
    else()
      set(_abs "${_file}")
    endif()
    if(IS_DIRECTORY "${_abs}")
      continue()
    endif()
    file(RELATIVE_PATH _rel "${_root}" "${_abs}")
    if(_rel MATCHES "^\\.\\./" OR _rel STREQUAL "SHA256SUMS")
      message(FATAL_ERROR "SHA256SUMS: ${_abs} is not under ${_root}")
    endif()
    file(SHA256 "${_abs}" _sum)
    string(APPEND _sums "${_sum}  ${_rel}\n")
  endforeach()
  file(WRITE "${_root}/SHA256SUMS" "${_sums}")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${CMAKE_INSTALL_PREFIX}/SHA256SUMS")
  list(LENGTH _files _count)
  message(STATUS "Installing: ${_root}/SHA256SUMS (${_count} files)")
]])

# CPack: one .tar.gz named after the version, its files under highmem-<version>/. The version is
# taken again when cpack runs (cmake/cpack_version.cmake), so a commit since the configure shows.
set(CPACK_PACKAGE_NAME highmem)
set(CPACK_PACKAGE_VENDOR highmem)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "highmem: the classic 32-bit Linux kernel memory layout on bare-metal i386")
set(CPACK_PACKAGE_VERSION ${HIGHMEM_RELEASE_VERSION})
set(CPACK_PACKAGE_FILE_NAME highmem-${HIGHMEM_RELEASE_VERSION})
set(CPACK_GENERATOR TGZ)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/release)
set(CPACK_STRIP_FILES OFF)
set(CPACK_HIGHMEM_SOURCE_DIR ${PROJECT_SOURCE_DIR})
set(CPACK_HIGHMEM_FALLBACK_VERSION ${PROJECT_VERSION})
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/cpack_version.cmake)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git" "/build" "__pycache__" "\\\\.pytest_cache")
include(CPack)

# `release`: cpack, which builds everything first (its preinstall step), then prints the tarball.
add_custom_target(release
  COMMAND ${CMAKE_CPACK_COMMAND} --config ${CMAKE_BINARY_DIR}/CPackConfig.cmake
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
  USES_TERMINAL
  VERBATIM
  COMMENT "Release tarball in ${CMAKE_BINARY_DIR}/release")
