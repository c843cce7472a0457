# CPACK_PROJECT_CONFIG_FILE (cmake/release.cmake): cpack reads this when it runs, so the tarball
# is named after the version `git describe` gives then, as the image's banner is.
include(${CPACK_HIGHMEM_SOURCE_DIR}/cmake/version.cmake)
highmem_version(${CPACK_HIGHMEM_SOURCE_DIR} ${CPACK_HIGHMEM_FALLBACK_VERSION}
  _cpack_version _cpack_git)
set(CPACK_PACKAGE_VERSION ${_cpack_version})
set(CPACK_PACKAGE_FILE_NAME highmem-${_cpack_version})
