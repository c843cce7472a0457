# One compile_commands.json at the build root for clangd, covering host and image sources (host
# build; included after cmake/image.cmake). CMake writes the host build's entries there when it
# generates; after every build the `compile_commands` target merges in the default image's
# (build/image/compile_commands.json: the cross flags and newlib's headers) with
# cmake/merge_compile_commands.py. A file built both ways (mm/, hal/) has an entry of each.
find_program(HIGHMEM_MERGE_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
add_custom_target(compile_commands ALL
  COMMAND ${HIGHMEM_MERGE_PYTHON} ${PROJECT_SOURCE_DIR}/cmake/merge_compile_commands.py
          ${CMAKE_BINARY_DIR}/compile_commands.json ${HIGHMEM_IMAGE_DIR}
  COMMENT "compile_commands.json: host and image entries"
  VERBATIM)
add_dependencies(compile_commands image)
