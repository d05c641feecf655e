# edgewatch_bpf_skeleton(<name>)
#
# Compiles <name>.bpf.c of the calling folder (bpf/, or tests/bench/ for bench-only probes) with
# clang for the BPF target (CO-RE, against the pinned bpf/vmlinux/x86_64/vmlinux.h) and generates
# <name>.skel.h with `bpftool gen skeleton`, both inside the build tree. Defines the INTERFACE
# target `<name>_skel` whose include directory holds
# the skeleton, so user-space code links it like any library.

find_program(BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

set(EDGEWATCH_BPF_ARCH x86)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(EDGEWATCH_BPF_ARCH arm64)
endif()

function(edgewatch_bpf_skeleton name)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${name}.bpf.c)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/skel)
  set(obj ${out_dir}/${name}.bpf.o)
  set(skel ${out_dir}/${name}.skel.h)
  file(MAKE_DIRECTORY ${out_dir})
  file(GLOB bpf_headers ${PROJECT_SOURCE_DIR}/bpf/include/*.h
       ${PROJECT_SOURCE_DIR}/bpf/include/abi/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${EDGEWATCH_BPF_ARCH}
            -Wall -Werror
            -I${PROJECT_SOURCE_DIR}/bpf/include
            -I${PROJECT_SOURCE_DIR}/bpf/vmlinux/x86_64
            -c ${src} -o ${obj}
    DEPENDS ${src} ${bpf_headers}
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${out_dir})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
