"""pipedesk's domain: pipelines, stages, tickets, and the one service `Desk`.

Imports neither Textual nor a web framework.
"""

from core.access import AUTOMATION, LOCAL_ADMIN, Actor
from core.desk import Desk, TicketDraft
from core.errors import DataFileError, DeskError, NoDesk
from core.local import data_dir_of, open_desk, place_of

__all__ = ["AUTOMATION", "LOCAL_ADMIN", "Actor", "DataFileError", "Desk", "DeskError",
           "NoDesk", "TicketDraft", "data_dir_of", "open_desk",
           "place_of"]
