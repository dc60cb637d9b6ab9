# Run at every build (not only at configure time) so that the git revision baked into the
# programs and results files is the one actually built. Rewrites the header only on change.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE HITNET_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT HITNET_GIT_REVISION)
  set(HITNET_GIT_REVISION "unknown")
elseif(dirty)
  set(HITNET_GIT_REVISION "${HITNET_GIT_REVISION}-dirty")
endif()
set(CMAKE_SOURCE_DIR ${SOURCE_DIR})
configure_file(${SOURCE_DIR}/core/util/version.hpp.in ${OUTPUT}.tmp @ONLY)
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
