"""Training: LightningModule, DataModule, callbacks and ``train``; all distributed code lives here.

``from camfuse.training import train`` is the entry point the CLI calls.
"""

from .datamodule import CamFuseDataModule
from .module import CamFuseModule
from .run import train

__all__ = ["CamFuseDataModule", "CamFuseModule", "train"]
