# BPF objects and their skeletons.
#
# vmlinux.h is generated at build time from kernel BTF (by default the build
# machine's /sys/kernel/btf/vmlinux) and never committed: the programs use
# CO-RE, so libbpf relocates every field access against the BTF of the kernel
# they are loaded into; the header only has to name the types. See
# docs/design.md ("vmlinux.h").

find_program(BPF_CLANG NAMES clang-19 REQUIRED
  DOC "clang that emits BTF type tags (kptr); clang 14 does not")
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
set(CPUGUARD_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
  "Kernel BTF that vmlinux.h is generated from")
if(NOT EXISTS "${CPUGUARD_VMLINUX_BTF}")
  message(FATAL_ERROR "No kernel BTF at ${CPUGUARD_VMLINUX_BTF}: set CPUGUARD_VMLINUX_BTF to a BTF file (a kernel with CONFIG_DEBUG_INFO_BTF)")
endif()

set(BPF_GEN_DIR "${CMAKE_BINARY_DIR}/bpf")
file(MAKE_DIRECTORY "${BPF_GEN_DIR}")
add_custom_command(
  OUTPUT "${BPF_GEN_DIR}/vmlinux.h"
  COMMAND ${BPFTOOL} btf dump file "${CPUGUARD_VMLINUX_BTF}" format c > "${BPF_GEN_DIR}/vmlinux.h.tmp"
  COMMAND ${CMAKE_COMMAND} -E rename "${BPF_GEN_DIR}/vmlinux.h.tmp" "${BPF_GEN_DIR}/vmlinux.h"
  COMMENT "Generating vmlinux.h from ${CPUGUARD_VMLINUX_BTF}"
  VERBATIM)
add_custom_target(vmlinux_h DEPENDS "${BPF_GEN_DIR}/vmlinux.h")

set(BPF_CFLAGS -g -O2 -target bpf -D__TARGET_ARCH_x86 -mcpu=v3
  -Wall -Wextra -Wno-unused-parameter -Werror
  -I${BPF_GEN_DIR} -I${CMAKE_SOURCE_DIR}/lsm)

# bpf_object(NAME SOURCE... [SKELETON] [DEPENDS file...])
#   Compiles each SOURCE to ${BPF_GEN_DIR}/NAME/<source>.o and, with more
#   than one source, links them into ${BPF_GEN_DIR}/NAME.bpf.o with
#   `bpftool gen object` (maps and globals declared extern in one file are
#   resolved against their one definition). Header dependencies come from
#   clang's -MD depfiles. With SKELETON also generates NAME.skel.h and an
#   INTERFACE library NAME_skel that puts it on the include path.
function(bpf_object name)
  cmake_parse_arguments(ARG "SKELETON" "" "DEPENDS" ${ARGN})
  set(srcs ${ARG_UNPARSED_ARGUMENTS})
  set(obj "${BPF_GEN_DIR}/${name}.bpf.o")
  set(dir "${BPF_GEN_DIR}/${name}")
  file(MAKE_DIRECTORY "${dir}")
  set(parts)
  foreach(src ${srcs})
    get_filename_component(base "${src}" NAME_WE)
    set(part "${dir}/${base}.o")
    add_custom_command(
      OUTPUT "${part}"
      COMMAND ${BPF_CLANG} ${BPF_CFLAGS} -MD -MF "${part}.d" -c "${src}" -o "${part}"
      DEPENDS "${src}" vmlinux_h ${ARG_DEPENDS}
      DEPFILE "${part}.d"
      COMMENT "BPF ${name}: ${base}.o"
      VERBATIM)
    list(APPEND parts "${part}")
  endforeach()
  add_custom_command(
    OUTPUT "${obj}"
    COMMAND ${BPFTOOL} gen object "${obj}" ${parts}
    DEPENDS ${parts}
    COMMENT "BPF ${name}.bpf.o"
    VERBATIM)
  add_custom_target(${name}_bpf_obj DEPENDS "${obj}")
  if(ARG_SKELETON)
    set(skel "${BPF_GEN_DIR}/${name}.skel.h")
    add_custom_command(
      OUTPUT "${skel}"
      COMMAND ${BPFTOOL} gen skeleton "${obj}" name ${name} > "${skel}.tmp"
      COMMAND ${CMAKE_COMMAND} -E rename "${skel}.tmp" "${skel}"
      DEPENDS "${obj}"
      COMMENT "Skeleton ${name}.skel.h"
      VERBATIM)
    add_custom_target(${name}_skel_gen DEPENDS "${skel}")
    add_library(${name}_skel INTERFACE)
    add_dependencies(${name}_skel ${name}_skel_gen)
    target_include_directories(${name}_skel INTERFACE "${BPF_GEN_DIR}")
  endif()
endfunction()

# libbpf linked statically so that the cpuguard binary is all there is to
# install; libelf and zlib are its dependencies.
find_library(LIBBPF_STATIC NAMES libbpf.a REQUIRED)
find_library(LIBELF NAMES elf REQUIRED)
find_library(LIBZ NAMES z REQUIRED)
add_library(libbpf_static INTERFACE)
target_link_libraries(libbpf_static INTERFACE ${LIBBPF_STATIC} ${LIBELF} ${LIBZ})
