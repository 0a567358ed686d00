# Shared by dist/, docs/ and selftests/install/: files installed with the
# paths of the installation written into them.
include_guard(GLOBAL)

set(CPUGUARD_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
  "Where to install the systemd units; a relative path is below the install prefix")
set(CPUGUARD_POLICY_FILE "/etc/cpuguard/policy.conf" CACHE STRING
  "The policy file cpuguard.service applies")
set_property(GLOBAL PROPERTY CPUGUARD_INSTALL_SCRIPT
  "${CMAKE_CURRENT_LIST_DIR}/install-configured.cmake")

# cpuguard_install_configured(SOURCE NAME DESTINATION)
#   Install SOURCE as DESTINATION/NAME, replacing the installation's paths:
#   @CPUGUARD_BIN@, @CPUGUARD_DOCDIR@, @CPUGUARD_POLICY_FILE@ anywhere, and in
#   roff the definitions ".ds cg-bin", ".ds cg-docdir", ".ds cg-policy"
#   (so that a man page also reads well straight from the source tree).
#   This runs at install time: the paths follow 'cmake --install --prefix',
#   not only CMAKE_INSTALL_PREFIX as configured. DESTDIR is never written
#   into a file.
function(cpuguard_install_configured source name destination)
  get_property(script GLOBAL PROPERTY CPUGUARD_INSTALL_SCRIPT)
  if(NOT EXISTS "${source}" OR NOT EXISTS "${script}")
    message(FATAL_ERROR "cpuguard_install_configured: '${source}' or '${script}' missing")
  endif()
  install(CODE "
    set(_cg_in \"${source}\")
    set(_cg_name \"${name}\")
    set(_cg_dest \"${destination}\")
    set(_cg_sbindir \"${CMAKE_INSTALL_SBINDIR}\")
    set(_cg_docdir \"${CMAKE_INSTALL_DOCDIR}\")
    set(_cg_policy \"${CPUGUARD_POLICY_FILE}\")
    set(_cg_work \"${CMAKE_CURRENT_BINARY_DIR}/install-configured\")
    include(\"${script}\")
  ")
endfunction()
