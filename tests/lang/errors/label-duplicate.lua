::a::
local y = 1
::a::

