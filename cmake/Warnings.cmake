set(SWITCHBOARD_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false -Wrestrict and -Wmaybe-uninitialized positives inside libstdc++ strings at -O3.
  list(APPEND SWITCHBOARD_WARNINGS -Wno-restrict -Wno-maybe-uninitialized)
endif()
if(SWITCHBOARD_WERROR)
  list(APPEND SWITCHBOARD_WARNINGS -Werror)
endif()

# Applies the project's warning set to one of our own targets (never to dependencies).
function(switchboard_warnings target)
  target_compile_options(${target} PRIVATE ${SWITCHBOARD_WARNINGS})
endfunction()
