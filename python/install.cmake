# Run by `make install` (cmake --install) after the package is copied: writes
# carbontracker/_install.py with the installed library's path, so the installed package loads
# it without ldconfig or LD_LIBRARY_PATH (CARBONTRACKER_LIBRARY still wins).
if(IS_ABSOLUTE "${CT_INSTALL_LIBDIR}")
  set(_ct_lib "${CT_INSTALL_LIBDIR}/libcarbontracker.so.${CT_SOVERSION}")
else()
  set(_ct_lib "${CMAKE_INSTALL_PREFIX}/${CT_INSTALL_LIBDIR}/libcarbontracker.so.${CT_SOVERSION}")
endif()
if(IS_ABSOLUTE "${CT_PYTHON_SITEDIR}")
  set(_ct_pkg "$ENV{DESTDIR}${CT_PYTHON_SITEDIR}/carbontracker")
else()
  set(_ct_pkg "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${CT_PYTHON_SITEDIR}/carbontracker")
endif()
message(STATUS "Installing: ${_ct_pkg}/_install.py")
file(WRITE "${_ct_pkg}/_install.py"
     "\"\"\"Written by make install: where the library was installed.\"\"\"\n"
     "LIBRARY = \"${_ct_lib}\"\n")
