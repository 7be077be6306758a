"""Coverage (issue 22): the demand the program sees (requests, and searches that found nothing it
could ask), how each ended, the willing supply now, where the program is short, the weekly ask to
close each gap, and whether it is ready for a launch."""
