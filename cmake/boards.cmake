# The boards there are: every folder under board/ with a board.c.  HIGHMEM_BOARDS lists them
# (sorted); a HIGHMEM_BOARD that is not one of them stops the configure with the list.
file(GLOB _board_sources RELATIVE ${PROJECT_SOURCE_DIR}/board CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/board/*/board.c)
set(HIGHMEM_BOARDS)
foreach(_src IN LISTS _board_sources)
  get_filename_component(_dir ${_src} DIRECTORY)
  list(APPEND HIGHMEM_BOARDS ${_dir})
endforeach()
list(SORT HIGHMEM_BOARDS)
set_property(CACHE HIGHMEM_BOARD PROPERTY STRINGS ${HIGHMEM_BOARDS})
if(NOT HIGHMEM_BOARD IN_LIST HIGHMEM_BOARDS)
  list(JOIN HIGHMEM_BOARDS ", " _board_list)
  message(FATAL_ERROR "HIGHMEM_BOARD=${HIGHMEM_BOARD}: no such board. The boards there are: ${_board_list} "
    "(the folders under board/ with a board.c); pick one with -DHIGHMEM_BOARD=NAME.")
endif()
