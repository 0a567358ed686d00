# Install-time half of cpuguard_install_configured() (CpuguardInstall.cmake).
# Runs inside cmake_install.cmake, where CMAKE_INSTALL_PREFIX is the prefix
# being installed to.

function(_cg_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

_cg_full(_cg_sbin "${_cg_sbindir}")
_cg_full(CPUGUARD_DOCDIR "${_cg_docdir}")
_cg_full(_cg_destination "${_cg_dest}")
set(CPUGUARD_BIN "${_cg_sbin}/cpuguard")
set(CPUGUARD_POLICY_FILE "${_cg_policy}")

file(READ "${_cg_in}" _cg_text)
# Only these three names are replaced: text such as "user@1000.service"
# must pass through untouched.
foreach(_cg_pair "cg-bin;CPUGUARD_BIN" "cg-docdir;CPUGUARD_DOCDIR" "cg-policy;CPUGUARD_POLICY_FILE")
  list(GET _cg_pair 0 _cg_str)
  list(GET _cg_pair 1 _cg_var)
  string(REPLACE "@${_cg_var}@" "${${_cg_var}}" _cg_text "${_cg_text}")
  string(REGEX REPLACE "(^|\n)\\.ds ${_cg_str} [^\n]*" "\\1.ds ${_cg_str} ${${_cg_var}}"
    _cg_text "${_cg_text}")
endforeach()
file(MAKE_DIRECTORY "${_cg_work}")
file(WRITE "${_cg_work}/${_cg_name}" "${_cg_text}")
file(INSTALL "${_cg_work}/${_cg_name}" DESTINATION "${_cg_destination}"
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
