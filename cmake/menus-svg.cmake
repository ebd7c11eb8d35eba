# Renders the menu graph of the default menus, run by the menus-svg target:
#   hotlined --dot MENUS | dot -Tsvg -o OUT
# Variables: HOTLINED, DOT, MENUS, OUT.
execute_process(
  COMMAND ${HOTLINED} --dot ${MENUS}
  COMMAND ${DOT} -Tsvg -o ${OUT}
  RESULTS_VARIABLE results)
foreach(rc IN LISTS results)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "menus-svg: hotlined --dot ${MENUS} | dot -Tsvg failed (${results})")
  endif()
endforeach()
message(STATUS "menus-svg: wrote ${OUT}")
